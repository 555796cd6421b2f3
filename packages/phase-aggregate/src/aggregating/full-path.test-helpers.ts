import type { AggregateResult } from '@ratchet/core';
import type { LogRule } from '@ratchet/plex';
import { discoverLogFiles } from '../reading/discover.js';
import { readLines } from '../reading/line-reader.js';
import { toPlexWindow } from '../window/resolve-window.js';
import { PlexAggregator } from './plex-aggregator.js';

/**
 * The measurement through `line()` only, without the byte path or any fast path: what the fast
 * paths' results are compared with.
 */
export async function fullPathOnly(
  paths: string[],
  options: { window?: { start?: string; end?: string }; rules?: LogRule[] } = {},
): Promise<AggregateResult> {
  const aggregator = new PlexAggregator({ window: toPlexWindow(options.window), rules: options.rules ?? [] });
  const { files } = await discoverLogFiles(paths);
  for (const file of files) {
    aggregator.beginFile(file.path, file.agent);
    const { stats, problems } = await readLines(file.path, (line) => aggregator.line(line));
    aggregator.fileRead(stats, problems);
    aggregator.endFile();
  }
  return aggregator.result(options.window ?? {});
}
