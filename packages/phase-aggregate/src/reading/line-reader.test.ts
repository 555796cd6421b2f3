import { randomBytes } from 'node:crypto';
import { mkdir, open, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { aggregatePlexLogs } from '../aggregating/aggregate-logs.js';
import { plexLine, testdir } from '../testdir.test-helpers.js';
import { discoverLogFiles } from './discover.js';
import { readLines } from './line-reader.js';

async function collect(path: string, maxLineChars?: number) {
  const lines: string[] = [];
  const outcome = await readLines(path, (line) => lines.push(line), { maxLineChars });
  return { lines, ...outcome };
}

describe('readLines', () => {
  it('strips CRLF endings and delivers a last line without a newline', async () => {
    const dir = await testdir({ 'a.log': 'one\r\ntwo\r\nthree' });
    const { lines, problems } = await collect(join(dir, 'a.log'));
    expect(lines).toEqual(['one', 'two', 'three']);
    expect(problems).toEqual([]);
  });

  it('replaces invalid UTF-8 and removes NUL bytes, reporting both with the file name', async () => {
    const content = Buffer.concat([
      Buffer.from('ok\nbad '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\nnul\0here\n'),
    ]);
    const dir = await testdir({ 'b.log': content });
    const { lines, stats, problems } = await collect(join(dir, 'b.log'));
    expect(lines).toEqual(['ok', 'bad \uFFFD\uFFFD', 'nulhere']);
    expect(stats).toMatchObject({ invalidUtf8: 2, linesWithNul: 1 });
    expect(problems.map((p) => p.kind).sort()).toEqual(['invalid-utf8', 'nul-bytes']);
    expect(problems[0]?.message).toContain(join(dir, 'b.log'));
  });

  it('cuts a 100 MB line without a newline at the cap instead of holding it whole', async () => {
    const dir = await testdir();
    const path = join(dir, 'huge.log');
    const handle = await open(path, 'w');
    const block = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 100; i += 1) await handle.write(block);
    await handle.write('\nafter\n');
    await handle.close();
    const before = process.memoryUsage().rss;
    const { lines, stats, problems } = await collect(path, 64 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    expect(lines.map((line) => line.length)).toEqual([64 * 1024, 5]);
    expect(stats.truncatedLines).toBe(1);
    expect(stats.bytes).toBe(100 * (1 << 20) + 7);
    expect(problems[0]).toMatchObject({ kind: 'line-truncated', file: path });
  });

  it('reads gzip files and reports a truncated archive after delivering what it held', async () => {
    const text = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    const whole = gzipSync(text);
    const dir = await testdir({
      'c.log.1.gz': whole,
      'd.log.1.gz': whole.subarray(0, Math.floor(whole.length / 2)),
    });
    const good = await collect(join(dir, 'c.log.1.gz'));
    expect(good.lines.length).toBe(2000);
    expect(good.stats.gzip).toBe(true);
    const cut = await collect(join(dir, 'd.log.1.gz'));
    expect(cut.problems.map((p) => p.kind)).toEqual(['truncated-gzip']);
    expect(cut.problems[0]?.message).toContain('d.log.1.gz');
    expect(cut.lines.length).toBeGreaterThan(0);
    expect(cut.lines.length).toBeLessThan(2000);
  });

  it('reports a directory named like a log file and a dangling symlink as unreadable', async () => {
    const dir = await testdir();
    await mkdir(join(dir, 'com.plexapp.agents.x.log'));
    await symlink(join(dir, 'missing.log'), join(dir, 'com.plexapp.agents.y.log'));
    const direct = await collect(join(dir, 'com.plexapp.agents.y.log'));
    expect(direct.problems[0]).toMatchObject({ kind: 'unreadable' });
    const { files, problems } = await discoverLogFiles([dir]);
    expect(files).toEqual([]);
    expect(problems.map((p) => [p.kind, p.file.split('/').pop()])).toEqual([
      ['unreadable', 'com.plexapp.agents.x.log'],
      ['unreadable', 'com.plexapp.agents.y.log'],
    ]);
  });
});

describe('broken and random input', () => {
  it('never crashes on random bytes and still counts the records around them', async () => {
    const good = plexLine(
      '2026-01-01 10:00:00,000',
      'ab',
      'ERROR',
      'networking:196',
      "Error opening URL 'http://h.example/x'",
    );
    for (let seed = 0; seed < 20; seed += 1) {
      const noise = randomBytes(4096 + seed * 97);
      const dir = await testdir({
        'com.plexapp.agents.z.log': Buffer.concat([
          Buffer.from(`${good}\n`),
          noise,
          Buffer.from(`\n${good}\n`),
        ]),
      });
      const result = await aggregatePlexLogs({ paths: [dir] });
      expect(result.metrics.urlErrors).toBeGreaterThanOrEqual(2);
      expect(result.metrics.records).toBeGreaterThanOrEqual(2);
    }
  });

  it('reports missing paths without failing the run', async () => {
    const dir = await testdir({
      'com.plexapp.agents.ok.log': plexLine('2026-01-01 10:00:00,000', 'ab', 'INFO', 'a:1', 'hi'),
    });
    const result = await aggregatePlexLogs({ paths: [dir, join(dir, 'nope')] });
    expect(result.metrics.records).toBe(1);
    expect(result.problems).toEqual([
      expect.objectContaining({ kind: 'unreadable', file: join(dir, 'nope') }),
    ]);
  });
});
