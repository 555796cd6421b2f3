import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRule } from '@ratchet/plex';
import { describe, expect, it } from 'vitest';
import { generatePlexLog } from '../../../../bench/aggregate/generate-plex-log.js';
import { discoverLogFiles } from '../reading/discover.js';
import { readLines } from '../reading/line-reader.js';
import { PLEX_SAMPLES_DIR, plexLine, testdir } from '../testdir.test-helpers.js';
import { aggregatePlexLogs } from './aggregate-logs.js';
import { fullPathOnly } from './full-path.test-helpers.js';
import { PlexAggregator } from './plex-aggregator.js';

describe('the fast path for plain records', () => {
  it('gives exactly the result of the full path on every real sample', async () => {
    for (const name of await readdir(PLEX_SAMPLES_DIR)) {
      const path = join(PLEX_SAMPLES_DIR, name);
      expect(await aggregatePlexLogs({ paths: [path] }), name).toEqual(await fullPathOnly([path]));
    }
  });

  for (const profile of ['errors2', 'errors10'] as const) {
    it(`gives exactly the result of the full path on a generated busy log (${profile}), with and without a window`, async () => {
      const dir = await testdir();
      const path = join(dir, 'com.plexapp.agents.simdb.log');
      const generated = generatePlexLog(path, 2 * 1024 * 1024, profile, 7);
      const fast = await aggregatePlexLogs({ paths: [path] });
      expect(fast).toEqual(await fullPathOnly([path]));
      expect(fast.metrics).toMatchObject({
        searchOps: generated.searchOps,
        updateOps: generated.updateOps,
        urlErrors: generated.urlErrors,
        modelErrors: generated.modelErrors,
        exceptions: generated.exceptions,
        errorRecords: generated.errorRecords,
      });
      const window = {
        start: new Date(2026, 0, 1, 0, 1).toISOString(),
        end: new Date(2026, 0, 1, 0, 3).toISOString(),
      };
      const windowed = await aggregatePlexLogs({ paths: [path], window });
      expect(windowed.metrics.records).toBeGreaterThan(0);
      expect(windowed.metrics.records).toBeLessThan(fast.metrics.records ?? 0);
      expect(windowed).toEqual(await fullPathOnly([path], { window }));
      for (const chunkBytes of [97, 4096])
        expect(await bytePath([path], chunkBytes), `${chunkBytes}-byte chunks`).toEqual(fast);
    });
  }
});

/** The measurement through the byte path with a given read chunk size (to cut lines at every place). */
async function bytePath(paths: string[], chunkBytes: number, rules: LogRule[] = []) {
  const aggregator = new PlexAggregator({ rules });
  const { files } = await discoverLogFiles(paths);
  for (const file of files) {
    aggregator.beginFile(file.path, file.agent);
    const { stats, problems } = await readLines(file.path, (line) => aggregator.line(line), {
      chunkBytes,
      onLineBytes: (bytes, start, end) => aggregator.lineBytes(bytes, start, end),
      afterChunk: () => aggregator.releaseBytes(),
    });
    aggregator.fileRead(stats, problems);
    aggregator.endFile();
  }
  return aggregator.result({});
}

describe('the byte path', () => {
  it('gives exactly the result of the full path on every real sample, whatever the chunk size', async () => {
    for (const name of await readdir(PLEX_SAMPLES_DIR)) {
      const path = join(PLEX_SAMPLES_DIR, name);
      const full = await fullPathOnly([path]);
      for (const chunkBytes of [1, 7, 100, 1 << 16]) {
        expect(await bytePath([path], chunkBytes), `${name} in ${chunkBytes}-byte chunks`).toEqual(full);
      }
    }
  });

  it('gives exactly the result of the full path on broken and non-ASCII input cut at odd places', async () => {
    const record = (message: string, level = 'DEBUG', thread = '7f6f4ebd0700') =>
      plexLine('2026-01-01 00:00:00,000', thread, level, 'agentkit:961', message);
    const content = Buffer.concat([
      Buffer.from(
        `${record('Starting')}\r\n${record("Searching for matches for {'id': '7', 'name': 'Amélie'}")}\n`,
      ),
      Buffer.from(`${record('Title WALL·E scored 40 (threshold 85)')}\n${record('bad bytes ')}`),
      Buffer.from([0xff, 0xc3]),
      Buffer.from(`\n${record('nul\0inside')}\n${record('literal \uFFFD replacement')}\n`),
      Buffer.from(`${record(`Error opening URL 'http://api.simdb.example/v2/x'`, 'ERROR')}\n`),
      Buffer.from(`${record('Exception in the search function (most recent call last):', 'CRITICAL')}\n`),
      Buffer.from('  File "x.py", line 1, in f\nHTTPError: HTTP Error 404: Not Found\n'),
      Buffer.from(`${record(`a ${'é'.repeat(300)} <urlopen error timed out>`, 'WARNING', '-490f4450')}\n`),
      Buffer.from(`${record('x'.repeat(3000))}\n${record('Search Query did not pull any results')}\n`),
      Buffer.from(
        record('last line without a newline, Handling request GET /a/X0FnZW50S2l0OlVwZGF0ZU1ldGFkYXRh'),
      ),
    ]);
    const dir = await testdir({ 'com.plexapp.agents.simdb.log': content });
    const rules: LogRule[] = [
      {
        name: 'low score',
        category: 'title-mismatch',
        message: 'scored (?<value>\\d+) \\(threshold',
        contains: ['scored'],
        valueBelow: 85,
        titleMatchFailure: true,
      },
      { name: 'starting', category: 'plugin-start', message: '^Starting' },
    ];
    for (const chosen of [[], rules]) {
      const full = await fullPathOnly([dir], { rules: chosen });
      expect(full.metrics.records).toBe(12);
      for (const chunkBytes of [1, 3, 64, 1000, 1 << 18]) {
        expect(await bytePath([dir], chunkBytes, chosen), `${chunkBytes}-byte chunks`).toEqual(full);
      }
    }
  });

  it('checks the record after a traceback for the status a URL error in that traceback waits for', async () => {
    // Classifying the traceback's record (when the next record starts) leaves a URL error waiting
    // for its status; the next record carries it in a message that is otherwise plain.
    const record = (message: string, level = 'DEBUG') =>
      plexLine('2026-01-01 00:00:00,000', '7f6f4ebd0700', level, 'networking:143', message);
    const lines = [
      record('Starting'),
      record("Error opening URL 'http://api.simdb.example/v2/x' (most recent call last):", 'CRITICAL'),
      '  File "networking.py", line 1, in open',
      'IOError: the connection broke',
      record('Response said HTTP Error 404 for it'),
      record('done'),
    ];
    for (const tail of ['', '\xff']) {
      // With an invalid byte the region is not clean and the string path (lineAt) reads it.
      const content = Buffer.concat([Buffer.from(`${lines.join('\n')}\n`), Buffer.from(tail, 'latin1')]);
      const dir = await testdir({ 'com.plexapp.agents.simdb.log': content });
      const full = await fullPathOnly([dir]);
      expect(full.errorTypes.map((type) => type.httpStatus)).toContain(404);
      expect(await aggregatePlexLogs({ paths: [dir] })).toEqual(full);
      for (const chunkBytes of [1, 50, 1 << 16]) expect(await bytePath([dir], chunkBytes)).toEqual(full);
    }
  });

  it('cuts a line longer than the cap exactly as the string path does', async () => {
    const dir = await testdir({ 'a.log': `short\n${'y'.repeat(5000)}\r\n${'é'.repeat(3000)}\nend` });
    const path = join(dir, 'a.log');
    const viaStrings: string[] = [];
    const expected = await readLines(path, (line) => viaStrings.push(line), { maxLineChars: 4000 });
    for (const chunkBytes of [5, 999, 1 << 16]) {
      const viaBytes: string[] = [];
      const outcome = await readLines(path, (line) => viaBytes.push(line), {
        maxLineChars: 4000,
        chunkBytes,
        onLineBytes: () => false,
      });
      expect(viaBytes).toEqual(viaStrings);
      expect(outcome).toEqual(expected);
    }
  });
});
