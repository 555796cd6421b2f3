import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readPlexOnlineToken } from './preferences.js';
import { restartCommandFor } from './restart-command.js';

/** Where `findPlexInstall` looks; every part can be replaced so tests lay out installs in a temp dir. */
export interface InstallSearchRoots {
  env?: NodeJS.ProcessEnv;
  /** The user's home folder (macOS defaults). Default: os.homedir(). */
  home?: string;
  platform?: NodeJS.Platform;
  /** The file system root the absolute Linux and Docker defaults are under. Default '/'. */
  root?: string;
}

export type InstallLayout = 'linux' | 'docker' | 'macos' | 'windows' | 'custom';

/** A value and where it came from ("PLEX_DATA_DIR", "the Linux default", ...), for the config's comments. */
export interface Found<T> {
  value: T;
  source: string;
}

export interface PlexInstall {
  platform: NodeJS.Platform;
  layout: InstallLayout | undefined;
  /** The server's data folder ("Plex Media Server"): fixes may touch files under it. */
  dataDir: Found<string> | undefined;
  /** The server's `Logs` folder (its `PMS Plugin Logs` folder holds the agents' logs). */
  logsDir: Found<string> | undefined;
  /** `<data dir>/Preferences.xml` when it exists. */
  preferencesFile: string | undefined;
  /** Where a token is: PLEX_TOKEN, or the Preferences.xml PlexOnlineToken. Never the value. */
  tokenSource: 'PLEX_TOKEN' | 'Preferences.xml' | undefined;
  url: Found<string>;
  /** How to restart the server, or why no command could be chosen. */
  restart: { command: string[] | undefined; note: string };
  /** The folders looked at, in order, for the messages when nothing was found. */
  searched: string[];
}

const DATA_FOLDER = 'Plex Media Server';

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds a Plex Media Server install the way Plex's own tools do: Plex's environment variables
 * (PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR, PLEX_MEDIA_SERVER_LOG_DIR), Ratchet's PLEX_DATA_DIR,
 * then the per-OS defaults and the Docker layout (`/config/Library/Application Support/...`).
 * Only folders that exist are returned.
 */
export function findPlexInstall(roots: InstallSearchRoots = {}): PlexInstall {
  const env = roots.env ?? process.env;
  const platform = roots.platform ?? process.platform;
  const home = roots.home ?? homedir();
  const root = roots.root ?? '/';
  // The host's path module: a Windows install is only ever looked for on Windows (tests excepted).
  const path = { join };
  const underRoot = (absolute: string) => path.join(root, absolute);

  const candidates: Array<{ dir: string; source: string; layout: InstallLayout }> = [];
  if (env.PLEX_DATA_DIR)
    candidates.push({ dir: env.PLEX_DATA_DIR, source: 'PLEX_DATA_DIR', layout: 'custom' });
  if (env.PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR)
    candidates.push({
      dir: path.join(env.PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR, DATA_FOLDER),
      source: 'PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR',
      layout: 'custom',
    });
  if (platform === 'darwin') {
    candidates.push({
      dir: path.join(home, 'Library', 'Application Support', DATA_FOLDER),
      source: 'the macOS default',
      layout: 'macos',
    });
  } else if (platform === 'win32') {
    const local = env.PLEXLOCALAPPDATA ?? env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local');
    candidates.push({ dir: path.join(local, DATA_FOLDER), source: 'the Windows default', layout: 'windows' });
  } else {
    candidates.push(
      {
        dir: underRoot('/var/lib/plexmediaserver/Library/Application Support/Plex Media Server'),
        source: 'the Linux default',
        layout: 'linux',
      },
      {
        dir: underRoot('/config/Library/Application Support/Plex Media Server'),
        source: 'the Docker layout',
        layout: 'docker',
      },
    );
  }
  const data = candidates.find((candidate) => isFolder(candidate.dir));
  const searched = candidates.map((candidate) => `${candidate.dir} (${candidate.source})`);

  let logsDir: Found<string> | undefined;
  if (env.PLEX_MEDIA_SERVER_LOG_DIR)
    logsDir = { value: env.PLEX_MEDIA_SERVER_LOG_DIR, source: 'PLEX_MEDIA_SERVER_LOG_DIR' };
  else if (platform === 'darwin' && isFolder(path.join(home, 'Library', 'Logs', DATA_FOLDER)))
    logsDir = { value: path.join(home, 'Library', 'Logs', DATA_FOLDER), source: 'the macOS default' };
  else if (data) logsDir = { value: path.join(data.dir, 'Logs'), source: `${data.source}, its Logs folder` };
  if (logsDir && !isFolder(logsDir.value)) {
    searched.push(`${logsDir.value} (${logsDir.source})`);
    logsDir = undefined;
  }

  const preferencesFile =
    data && existsSync(path.join(data.dir, 'Preferences.xml'))
      ? path.join(data.dir, 'Preferences.xml')
      : undefined;
  const tokenSource = env.PLEX_TOKEN
    ? 'PLEX_TOKEN'
    : preferencesFile && readPlexOnlineToken(preferencesFile)
      ? 'Preferences.xml'
      : undefined;
  const layout = data?.layout === 'custom' ? guessLayout(data.dir, platform) : data?.layout;
  return {
    platform,
    layout,
    dataDir: data ? { value: data.dir, source: data.source } : undefined,
    logsDir,
    preferencesFile,
    tokenSource,
    url: env.PLEX_URL
      ? { value: env.PLEX_URL, source: 'PLEX_URL' }
      : { value: 'http://127.0.0.1:32400', source: 'the default port on this machine' },
    restart: restartCommandFor({ platform, layout, systemd: isFolder(underRoot('/run/systemd/system')) }),
    searched,
  };
}

function guessLayout(dataDir: string, platform: NodeJS.Platform): InstallLayout {
  if (platform === 'darwin') return 'macos';
  if (platform === 'win32') return 'windows';
  return /[\\/]config[\\/]Library[\\/]Application Support[\\/]Plex Media Server$/.test(dataDir) &&
    !dataDir.includes('plexmediaserver')
    ? 'docker'
    : 'linux';
}
