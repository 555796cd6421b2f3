import type { AggregateResult, TimeWindow } from '@ratchet/core';
import type { LogRule } from '@ratchet/plex';
import { discoverLogFiles } from '../reading/discover.js';
import { readLines } from '../reading/line-reader.js';
import { toPlexWindow } from '../window/resolve-window.js';
import { PlexAggregator } from './plex-aggregator.js';

export interface AggregatePlexLogsOptions {
  /** Files and folders (a `PMS Plugin Logs` folder or a server's `Logs` folder). */
  paths: string[];
  /** Keep only these bundle ids. */
  agents?: string[];
  /** ISO times; start inclusive, end exclusive. */
  window?: TimeWindow;
  /** User rules, tried before the built-in ones. */
  rules?: LogRule[];
  maxLineChars?: number;
  signal?: AbortSignal;
  onFile?: (path: string, index: number, total: number) => void;
}

/** Streams the plug-in logs under `paths` into one measurement (the Plex preset). */
export async function aggregatePlexLogs(options: AggregatePlexLogsOptions): Promise<AggregateResult> {
  const aggregator = new PlexAggregator({ window: toPlexWindow(options.window), rules: options.rules ?? [] });
  const { files, problems } = await discoverLogFiles(options.paths, { agents: options.agents });
  aggregator.addProblems(problems);
  let index = 0;
  for (const file of files) {
    if (options.signal?.aborted) break;
    options.onFile?.(file.path, index, files.length);
    index += 1;
    aggregator.beginFile(file.path, file.agent);
    const { stats, problems: fileProblems } = await readLines(file.path, (line) => aggregator.line(line), {
      maxLineChars: options.maxLineChars,
      signal: options.signal,
      onLineAt: (text, start, end) => aggregator.lineAt(text, start, end),
      onLineBytes: (bytes, start, end) => aggregator.lineBytes(bytes, start, end),
    });
    aggregator.fileRead(stats, fileProblems);
    aggregator.endFile();
  }
  return aggregator.result(options.window ?? {});
}
