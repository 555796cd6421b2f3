import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { aggregatePlexLogs } from '../aggregating/aggregate-logs.js';
import { PLEX_SAMPLES_DIR, testdir } from '../testdir.test-helpers.js';
import { type AggregateCommandOptions, runAggregateCommand } from './aggregate-command.js';

function captureIo() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  return { io: { stdout, stderr }, out: () => out.join(''), err: () => err.join('') };
}

const LINE_FORMAT = '^(?<ts>\\S+) (?<level>[A-Z]+) \\[(?<item>[^\\]]*)\\] (?<message>.*)$';
const APP_LOG = [
  '2026-03-01T10:00:00Z INFO [a1] request served in 12 ms',
  '2026-03-01T10:00:01Z INFO [a2] request served in 15 ms',
  '2026-03-01T10:00:02Z ERROR [a2] upstream timeout after 30 s',
  '  at fetch (client.js:10)',
  '2026-03-01T10:00:03Z WARN [a3] no match for title Heat',
  '2026-03-01T10:00:04Z INFO [a1] request served in 9 ms',
  '2026-03-01T10:00:05Z ERROR [] upstream timeout after 31 s',
].join('\n');

describe('ratchet aggregate --preset generic', () => {
  it('counts metric rules from a rule file and lists per-item outcomes from the item group', async () => {
    const dir = await testdir({
      'app.log': APP_LOG,
      'metrics.yaml': [
        'metrics:',
        '  - name: served',
        "    message: '^request served'",
        '  - name: noMatch',
        "    message: '^no match for'",
        '    levels: [warn]',
        '    failure: true',
      ].join('\n'),
    });
    const { io, out, err } = captureIo();
    const code = await runAggregateCommand(
      {
        paths: [join(dir, 'app.log')],
        preset: 'generic',
        lineFormat: LINE_FORMAT,
        rules: [join(dir, 'metrics.yaml')],
        format: 'json',
      },
      io,
    );
    expect(err()).toBe('');
    expect(code).toBe(0);
    const document = JSON.parse(out());
    expect(document.metrics).toEqual({
      records: 6,
      errorRecords: 2,
      unparsedLines: 0,
      served: 3,
      noMatch: 1,
    });
    expect(document.items).toEqual([
      { item: 'a1', ok: true },
      { item: 'a2', ok: false },
      { item: 'a3', ok: false },
    ]);
    expect(document.errorTypes).toHaveLength(1);
    expect(document.errorTypes[0]).toMatchObject({
      count: 2,
      template: 'upstream timeout after <*>',
      items: ['a2'],
    });
  });

  it('lists no items when the line format has no item group', async () => {
    const dir = await testdir({ 'app.log': APP_LOG });
    const { io, out } = captureIo();
    const lineFormat = '^(?<ts>\\S+) (?<level>[A-Z]+) \\[[^\\]]*\\] (?<message>.*)$';
    const code = await runAggregateCommand(
      { paths: [join(dir, 'app.log')], preset: 'generic', lineFormat, format: 'json' },
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(out()).items).toBeUndefined();
  });

  it('exits 2 naming the option for a missing or bad line format and a bad rule file', async () => {
    const dir = await testdir({
      'app.log': APP_LOG,
      'bad.yaml': 'metrics:\n  - name: broken\n    message: "(unclosed"\n',
      'shape.json': '[{"name": "x"}]',
    });
    const path = join(dir, 'app.log');
    for (const [options, pattern] of [
      [{ preset: 'generic' }, /--line-format: the generic preset needs a line-format regex/],
      [{ preset: 'generic', lineFormat: '^(?<message>.*' }, /--line-format: invalid regular expression/],
      [
        { preset: 'generic', lineFormat: '^(.*)$' },
        /--line-format: the regular expression needs a named group/,
      ],
      [{ lineFormat: LINE_FORMAT }, /--line-format: applies to the generic preset only/],
      [
        { preset: 'generic', lineFormat: LINE_FORMAT, rules: [join(dir, 'bad.yaml')] },
        /bad\.yaml: \[0\] \(broken\)\.message: invalid regular expression/,
      ],
      [
        { preset: 'generic', lineFormat: LINE_FORMAT, rules: [join(dir, 'shape.json')] },
        /shape\.json: 0\.message/,
      ],
    ] as const) {
      const { io, out, err } = captureIo();
      const code = await runAggregateCommand(
        { paths: [path], format: 'json', ...options } as AggregateCommandOptions,
        io,
      );
      expect(err()).toMatch(pattern);
      expect(code).toBe(2);
      expect(out()).toBe('');
    }
  });
});

describe('the server log of a Logs folder', () => {
  async function logsFolder(): Promise<string> {
    const dir = await testdir();
    const plugins = join(dir, 'Logs', 'PMS Plugin Logs');
    await mkdir(plugins, { recursive: true });
    await copyFile(
      join(PLEX_SAMPLES_DIR, '05_hama_309_anidb_http_403.log'),
      join(plugins, 'com.plexapp.agents.hama.log'),
    );
    const main = join(PLEX_SAMPLES_DIR, '34_pms_main_log_and_scanner_format.log');
    await copyFile(main, join(dir, 'Logs', 'Plex Media Server.log'));
    await copyFile(
      join(PLEX_SAMPLES_DIR, '35_pms_main_log_newer_format_pgma_332.log'),
      join(dir, 'Logs', 'Plex Media Server.1.log'),
    );
    return join(dir, 'Logs');
  }

  it('is read only when asked, counted apart, and leaves the plug-in metrics unchanged', async () => {
    const logs = await logsFolder();
    const without = await aggregatePlexLogs({ paths: [logs] });
    const withServer = await aggregatePlexLogs({ paths: [logs], includeServerLog: true });
    expect(without.serverLog).toBeUndefined();
    const { serverLog, ...rest } = withServer;
    expect(rest).toEqual(without);
    expect(serverLog).toMatchObject({
      // 7 DEBUG records in each sample; the comment line before the first record is unparsed.
      metrics: { records: 14, errorRecords: 0, warningRecords: 0, unparsedLines: 2 },
      levels: { DEBUG: 14 },
      errorTemplates: [],
    });
    // Rotated first: `.1.log` is older than `.log`.
    expect((serverLog as { files: Array<{ path: string }> }).files.map((file) => file.path)).toEqual([
      join(logs, 'Plex Media Server.1.log'),
      join(logs, 'Plex Media Server.log'),
    ]);
  });

  it('groups error records of the server log by template and shows them in --format json', async () => {
    const dir = await testdir({
      'Logs/PMS Plugin Logs/com.plexapp.agents.simdb.log': '',
      'Logs/Plex Media Server.log': [
        'May 03, 2019 15:51:20.439 [0x7f145a1bd800] ERROR - Failed to refresh item 5576 with agent com.plexapp.agents.hama',
        'May 03, 2019 15:51:21.439 [0x7f145a1bd800] ERROR - Failed to refresh item 5577 with agent com.plexapp.agents.hama',
        'May 03, 2019 15:51:22.439 [0x7f145a1bd800] WARN - Held transaction for too long',
      ].join('\n'),
    });
    const { io, out } = captureIo();
    const code = await runAggregateCommand(
      { paths: [join(dir, 'Logs')], format: 'json', includeServerLog: true },
      io,
    );
    expect(code).toBe(0);
    const document = JSON.parse(out());
    expect(document.metrics.records).toBe(0);
    expect(document.serverLog.metrics).toEqual({
      records: 3,
      errorRecords: 2,
      warningRecords: 1,
      unparsedLines: 0,
    });
    expect(document.serverLog.errorTemplates).toEqual([
      expect.objectContaining({
        template: 'Failed to refresh item <*> with agent com.plexapp.agents.hama',
        count: 2,
      }),
    ]);
  });
});
