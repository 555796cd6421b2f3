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
  /** Leave out `Plex Media Server*.log` files given by name (they are read as the server log). */
  excludeServerLogs?: boolean;
}

function agentOf(path: string): string {
  const name = basename(path);
  return parseLogFileName(name)?.bundleId ?? name;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The server `Logs` folder a given folder stands for: itself when it holds `PMS Plugin Logs`, or
 * its `Logs` folder when it is a server's data folder. Undefined for any other folder.
 */
async function serverLogsFolderOf(folder: string): Promise<string | undefined> {
  if (await isFolder(join(folder, PLUGIN_LOGS_FOLDER))) return folder;
  if (await isFolder(join(folder, 'Logs', PLUGIN_LOGS_FOLDER))) return join(folder, 'Logs');
  return undefined;
}

/**
 * Expands files and folders into the log files to read, each bundle's rotated files oldest first.
 * A server's `Logs` folder, or its data folder, is read through its `PMS Plugin Logs` folder.
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
    const logsFolder = await serverLogsFolderOf(given);
    const folder = logsFolder === undefined ? given : join(logsFolder, PLUGIN_LOGS_FOLDER);
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
    .filter((file) => wanted === undefined || wanted.has(file.agent))
    .filter((file) => !options.excludeServerLogs || !isServerLogName(basename(file.path)));
  return { files, problems };
}

/** `Plex Media Server.log`, rotated to `Plex Media Server.1.log` ... `.5.log` (and maybe gzipped). */
const SERVER_LOG_NAME = /^Plex Media Server(?:\.(\d+))?\.log(?:\.gz)?$/;

export function isServerLogName(name: string): boolean {
  return SERVER_LOG_NAME.test(name);
}

function serverLogRotation(path: string): number {
  return Number(SERVER_LOG_NAME.exec(basename(path))?.[1] ?? 0);
}

/**
 * The main server log files under `paths`, oldest first: those in a server's `Logs` folder (one
 * that holds `PMS Plugin Logs`) and those given by name. Unreadable paths are left to
 * `discoverLogFiles`, which reports them.
 */
export async function discoverServerLogFiles(paths: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const given of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(given);
    } catch {
      continue;
    }
    if (!info.isDirectory()) {
      if (isServerLogName(basename(given))) found.add(given);
      continue;
    }
    const logsFolder = await serverLogsFolderOf(given);
    if (logsFolder === undefined) continue;
    try {
      for (const entry of await readdir(logsFolder)) {
        if (!isServerLogName(entry)) continue;
        const path = join(logsFolder, entry);
        if ((await stat(path)).isFile()) found.add(path);
      }
    } catch {
      // not a server Logs folder, or it cannot be listed: no server log to read
    }
  }
  return [...found].sort((a, b) => serverLogRotation(b) - serverLogRotation(a) || (a < b ? -1 : 1));
}
