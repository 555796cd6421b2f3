import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { compareLogFilesOldestFirst, PLUGIN_LOGS_FOLDER, parseLogFileName } from '@ratchet/plex';
import type { ReadProblem } from './line-reader.js';

export interface LogFile {
  path: string;
  /** The bundle id from the file name (`<bundle id>.log[.N]`), or the file's name otherwise. */
  agent: string;
}

export interface DiscoverOptions {
  /** Keep only these bundle ids. */
  agents?: string[];
}

function agentOf(path: string): string {
  const name = basename(path);
  return parseLogFileName(name)?.bundleId ?? name;
}

/**
 * Expands files and folders into the log files to read, each bundle's rotated files oldest first.
 * A folder that holds a `PMS Plugin Logs` folder (a server's `Logs` folder) is read through it.
 * Paths that cannot be read are returned as problems, never thrown.
 */
export async function discoverLogFiles(
  paths: string[],
  options: DiscoverOptions = {},
): Promise<{ files: LogFile[]; problems: ReadProblem[] }> {
  const problems: ReadProblem[] = [];
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (path: string): void => {
    if (!seen.has(path)) {
      seen.add(path);
      found.push(path);
    }
  };

  for (const given of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(given);
    } catch (error) {
      problems.push({
        file: given,
        kind: 'unreadable',
        message: `cannot read ${given}: ${(error as Error).message}`,
      });
      continue;
    }
    if (!info.isDirectory()) {
      add(given);
      continue;
    }
    let folder = given;
    try {
      const inner = join(given, PLUGIN_LOGS_FOLDER);
      if ((await stat(inner)).isDirectory()) folder = inner;
    } catch {
      // not a server Logs folder: read the folder itself
    }
    let entries: string[];
    try {
      entries = await readdir(folder);
    } catch (error) {
      problems.push({
        file: folder,
        kind: 'unreadable',
        message: `cannot list ${folder}: ${(error as Error).message}`,
      });
      continue;
    }
    for (const entry of entries.sort()) {
      if (!parseLogFileName(entry)) continue;
      const path = join(folder, entry);
      try {
        const entryInfo = await stat(path);
        if (entryInfo.isDirectory()) {
          problems.push({
            file: path,
            kind: 'unreadable',
            message: `cannot read ${path}: it is a directory`,
          });
          continue;
        }
      } catch (error) {
        problems.push({
          file: path,
          kind: 'unreadable',
          message: `cannot read ${path}: ${(error as Error).message}`,
        });
        continue;
      }
      add(path);
    }
  }

  const wanted = options.agents && options.agents.length > 0 ? new Set(options.agents) : undefined;
  const files = found
    .sort(compareLogFilesOldestFirst)
    .map((path) => ({ path, agent: agentOf(path) }))
    .filter((file) => wanted === undefined || wanted.has(file.agent));
  return { files, problems };
}
