import type { AggregateResult, TimeWindow } from '@ratchet/core';
import type { LogRule } from '@ratchet/plex';
import { discoverLogFiles, discoverServerLogFiles } from '../reading/discover.js';
import { readLines } from '../reading/line-reader.js';
import { toPlexWindow } from '../window/resolve-window.js';
import { PlexAggregator } from './plex-aggregator.js';
import { ServerLogAggregator } from './server-log-aggregator.js';

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
  /**
   * Also read the main server log (`Plex Media Server.log` and its rotations in a `Logs` folder, or
   * given by name) into `result.serverLog`, apart from the plug-in metrics. Default false.
   */
  includeServerLog?: boolean;
  signal?: AbortSignal;
  onFile?: (path: string, index: number, total: number) => void;
}

/** Streams the plug-in logs under `paths` into one measurement (the Plex preset). */
export async function aggregatePlexLogs(options: AggregatePlexLogsOptions): Promise<AggregateResult> {
  const plexWindow = toPlexWindow(options.window);
  const aggregator = new PlexAggregator({ window: plexWindow, rules: options.rules ?? [] });
  const { files, problems } = await discoverLogFiles(options.paths, {
    agents: options.agents,
    excludeServerLogs: options.includeServerLog === true,
  });
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
      afterChunk: () => aggregator.releaseBytes(),
    });
    aggregator.fileRead(stats, fileProblems);
    aggregator.endFile();
  }
  if (!options.includeServerLog) return aggregator.result(options.window ?? {});
  const server = new ServerLogAggregator(plexWindow);
  for (const path of await discoverServerLogFiles(options.paths)) {
    if (options.signal?.aborted) break;
    server.beginFile(path);
    const { stats, problems: fileProblems } = await readLines(path, (line) => server.line(line), {
      maxLineChars: options.maxLineChars,
      signal: options.signal,
    });
    server.fileRead(stats, fileProblems);
  }
  aggregator.addProblems(server.problems);
  return { ...aggregator.result(options.window ?? {}), serverLog: server.result() };
}
