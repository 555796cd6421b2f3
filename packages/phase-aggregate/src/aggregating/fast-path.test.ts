import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatePlexLog } from '../../../../bench/aggregate/generate-plex-log.js';
import { discoverLogFiles } from '../reading/discover.js';
import { readLines } from '../reading/line-reader.js';
import { PLEX_SAMPLES_DIR, testdir } from '../testdir.test-helpers.js';
import { toPlexWindow } from '../window/resolve-window.js';
import { aggregatePlexLogs } from './aggregate-logs.js';
import { PlexAggregator } from './plex-aggregator.js';

/** The same measurement through `line()` only, without the allocation-free fast path. */
async function fullPathOnly(paths: string[], window?: { start?: string; end?: string }) {
  const aggregator = new PlexAggregator({ window: toPlexWindow(window) });
  const { files } = await discoverLogFiles(paths);
  for (const file of files) {
    aggregator.beginFile(file.path, file.agent);
    const { stats, problems } = await readLines(file.path, (line) => aggregator.line(line));
    aggregator.fileRead(stats, problems);
    aggregator.endFile();
  }
  return aggregator.result(window ?? {});
}

describe('the fast path for plain records', () => {
  it('gives exactly the result of the full path on every real sample', async () => {
    for (const name of await readdir(PLEX_SAMPLES_DIR)) {
      const path = join(PLEX_SAMPLES_DIR, name);
      expect(await aggregatePlexLogs({ paths: [path] }), name).toEqual(await fullPathOnly([path]));
    }
  });

  it('gives exactly the result of the full path on a generated busy log, with and without a window', async () => {
    const dir = await testdir();
    const path = join(dir, 'com.plexapp.agents.simdb.log');
    const generated = generatePlexLog(path, 2 * 1024 * 1024, 7);
    const fast = await aggregatePlexLogs({ paths: [path] });
    expect(fast).toEqual(await fullPathOnly([path]));
    expect(fast.metrics).toMatchObject({
      searchOps: generated.searchOps,
      updateOps: generated.updateOps,
      urlErrors: generated.urlErrors,
      modelErrors: generated.modelErrors,
      exceptions: generated.exceptions,
    });
    const window = {
      start: new Date(2026, 0, 1, 0, 1).toISOString(),
      end: new Date(2026, 0, 1, 0, 3).toISOString(),
    };
    const windowed = await aggregatePlexLogs({ paths: [path], window });
    expect(windowed.metrics.records).toBeGreaterThan(0);
    expect(windowed.metrics.records).toBeLessThan(fast.metrics.records ?? 0);
    expect(windowed).toEqual(await fullPathOnly([path], window));
  });
});
