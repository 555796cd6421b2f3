import { homedir } from 'node:os';
import { join } from 'node:path';

export const PLUGIN_LOGS_FOLDER = 'PMS Plugin Logs';

/**
 * The server's `Logs` folder: `PLEX_MEDIA_SERVER_LOG_DIR` when set, else the per-OS default
 * (FORMAT.md section 3, and Plex's support pages).
 */
export function defaultPlexLogsDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const fromEnv = env.PLEX_MEDIA_SERVER_LOG_DIR;
  if (fromEnv) return fromEnv;
  if (platform === 'win32') {
    const base = env.PLEXLOCALAPPDATA ?? env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local');
    return join(base, 'Plex Media Server', 'Logs');
  }
  if (platform === 'darwin') return join(homedir(), 'Library', 'Logs', 'Plex Media Server');
  if (env.PLEXLOCALAPPDATA) return join(env.PLEXLOCALAPPDATA, 'Plex Media Server', 'Logs');
  return '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Logs';
}

/** The plug-in log folder inside a `Logs` folder. */
export function defaultPluginLogsDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  return join(defaultPlexLogsDir(env, platform), PLUGIN_LOGS_FOLDER);
}

export interface PlexLogFileName {
  /** The bundle identifier, e.g. `com.plexapp.agents.hama`. */
  bundleId: string;
  /** 0 for `X.log`, N for `X.log.N`. */
  rotation: number;
  gzip: boolean;
}

const LOG_FILE_NAME = /^(.+?)(?:\.\d+)?\.log(?:\.(\d+))?(\.gz)?$/;

/**
 * Reads `<bundle id>[.<port>].log[.N][.gz]`. Returns undefined for names that are not plug-in logs.
 */
export function parseLogFileName(name: string): PlexLogFileName | undefined {
  const match = LOG_FILE_NAME.exec(name);
  if (!match) return undefined;
  return {
    bundleId: match[1] ?? name,
    rotation: match[2] ? Number(match[2]) : 0,
    gzip: match[3] !== undefined,
  };
}

/**
 * Orders a bundle's files oldest first: `.log.5` ... `.log.1`, `.log` (rotation moves a file to a
 * higher number as it ages). Files that are not plug-in logs keep their place after them, by name.
 */
export function compareLogFilesOldestFirst(a: string, b: string): number {
  const nameA = parseLogFileName(a.split(/[\\/]/).pop() ?? a);
  const nameB = parseLogFileName(b.split(/[\\/]/).pop() ?? b);
  if (nameA && nameB) {
    if (nameA.bundleId !== nameB.bundleId) return nameA.bundleId < nameB.bundleId ? -1 : 1;
    if (nameA.rotation !== nameB.rotation) return nameB.rotation - nameA.rotation;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (nameA) return -1;
  if (nameB) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
