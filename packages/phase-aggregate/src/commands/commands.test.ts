import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LOGHUB_DIR, PLEX_SAMPLES_DIR, plexLine, testdir } from '../testdir.test-helpers.js';
import { runAggregateCommand } from './aggregate-command.js';
import { runTemplatesCommand } from './templates-command.js';

function captureIo() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  return { io: { stdout, stderr }, out: () => out.join(''), err: () => err.join('') };
}

describe('ratchet aggregate', () => {
  it('prints exactly one JSON document with window, files, metrics, rates and errorTypes', async () => {
    const { io, out } = captureIo();
    const code = await runAggregateCommand(
      { paths: [join(PLEX_SAMPLES_DIR, '05_hama_309_anidb_http_403.log')], format: 'json' },
      io,
    );
    expect(code).toBe(0);
    const document = JSON.parse(out());
    expect(Object.keys(document)).toEqual(
      expect.arrayContaining(['window', 'files', 'metrics', 'rates', 'errorTypes']),
    );
    expect(document.metrics.records).toBe(18);
    expect(document.errorTypes[0].httpStatus).toBe(403);
  });

  it('writes markdown to --output atomically and keeps stdout empty', async () => {
    const dir = await testdir();
    const { io, out } = captureIo();
    const output = join(dir, 'report.md');
    const code = await runAggregateCommand({ paths: [PLEX_SAMPLES_DIR], format: 'md', output }, io);
    expect(code).toBe(0);
    expect(out()).toBe('');
    const text = await readFile(output, 'utf8');
    expect(text).toContain('# Aggregate');
    expect(text).toContain('## Error types');
  });

  it('exits 2 with a clear message for a bad --format, --since or --preset', async () => {
    for (const [options, pattern] of [
      [{ format: 'xml' }, /--format: "xml" is not one of json, md/],
      [{ format: 'json', since: 'lately' }, /since: "lately" is neither a duration nor an ISO time/],
      [{ format: 'json', preset: 'nginx' }, /--preset: "nginx"/],
      [
        { format: 'json', since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' },
        /the window is empty/,
      ],
    ] as const) {
      const { io, out, err } = captureIo();
      const code = await runAggregateCommand({ paths: [PLEX_SAMPLES_DIR], ...options } as never, io);
      expect(code).toBe(2);
      expect(err()).toMatch(pattern);
      expect(out()).toBe('');
    }
  });

  it('exits 2 naming the paths when no log file can be read', async () => {
    const dir = await testdir();
    const { io, err } = captureIo();
    expect(await runAggregateCommand({ paths: [join(dir, 'missing')], format: 'json' }, io)).toBe(2);
    expect(err()).toContain(`no log files found in ${join(dir, 'missing')}`);
  });

  it('reads only records from --since on', async () => {
    const dir = await testdir({
      'com.plexapp.agents.a.log': [
        plexLine('2001-01-01 00:00:00,000', 'ab', 'ERROR', 'x:1', 'old failure'),
        plexLine('2999-01-01 00:00:00,000', 'ab', 'ERROR', 'x:1', 'future failure'),
      ].join('\n'),
    });
    const { io, out } = captureIo();
    expect(await runAggregateCommand({ paths: [dir], format: 'json', since: '24h' }, io)).toBe(0);
    expect(JSON.parse(out()).metrics.errorRecords).toBe(1);
  });
});

describe('ratchet templates', () => {
  it('mines templates from any log and writes one CSV row per input line', async () => {
    const dir = await testdir({
      'svc.log': [
        '[x] [info] job 1 done',
        '[x] [info] job 22 done',
        'not matching the format',
        '[x] [error] disk, full',
      ].join('\n'),
    });
    const { io, out } = captureIo();
    const assignments = join(dir, 'out.csv');
    const code = await runTemplatesCommand(
      {
        paths: [join(dir, 'svc.log')],
        lineFormat: '^\\[(?<ts>[^\\]]+)\\] \\[(?<level>\\w+)\\] (?<message>.*)$',
        assignments,
        format: 'json',
      },
      io,
    );
    expect(code).toBe(0);
    const document = JSON.parse(out());
    expect(document.lines).toBe(4);
    expect(document.templates[0]).toEqual({ id: 'T1', count: 2, template: 'job <*> done' });
    const csv = (await readFile(assignments, 'utf8')).trim().split('\n');
    expect(csv).toEqual([
      'line,templateId,template',
      '1,T1,job <*> done',
      '2,T1,job <*> done',
      '3,T2,not matching the format',
      '4,T3,"disk, full"',
    ]);
  });

  it('exits 2 when the line format has no message group', async () => {
    const { io, err } = captureIo();
    expect(
      await runTemplatesCommand(
        { paths: [join(LOGHUB_DIR, 'Apache', 'Apache_2k.log')], lineFormat: '^(.*)$' },
        io,
      ),
    ).toBe(2);
    expect(err()).toMatch(/--line-format: the regular expression needs a named group \(\?<message>\.\.\.\)/);
  });
});
