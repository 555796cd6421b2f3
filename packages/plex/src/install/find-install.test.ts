import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPlexInstall } from './find-install.js';
import { readPlexOnlineToken, resolvePlexToken } from './preferences.js';

const APP_SUPPORT = ['Library', 'Application Support', 'Plex Media Server'];

/** A server data folder (Logs/PMS Plugin Logs, Preferences.xml with a token) under `base`. */
function dataFolder(base: string, token?: string): string {
  const dir = join(base, ...APP_SUPPORT);
  mkdirSync(join(dir, 'Logs', 'PMS Plugin Logs'), { recursive: true });
  writeFileSync(
    join(dir, 'Preferences.xml'),
    `<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="abc"${token ? ` PlexOnlineToken="${token}"` : ''} FriendlyName="x"/>\n`,
  );
  return dir;
}

const scratch = () => mkdtempSync(join(tmpdir(), 'ratchet-install-'));

describe('findPlexInstall', () => {
  it('finds the Linux package layout under the root, its Logs folder, and the token in Preferences.xml', () => {
    const root = scratch();
    const data = dataFolder(join(root, 'var', 'lib', 'plexmediaserver'), 'tok-linux');
    mkdirSync(join(root, 'run', 'systemd', 'system'), { recursive: true });
    const install = findPlexInstall({ root, env: {}, platform: 'linux', home: join(root, 'home') });
    expect(install.layout).toBe('linux');
    expect(install.dataDir).toEqual({ value: data, source: 'the Linux default' });
    expect(install.logsDir?.value).toBe(join(data, 'Logs'));
    expect(install.tokenSource).toBe('Preferences.xml');
    expect(install.preferencesFile).toBe(join(data, 'Preferences.xml'));
    expect(install.restart.command).toEqual(['systemctl', 'restart', 'plexmediaserver']);
    expect(install.url.value).toBe('http://127.0.0.1:32400');
  });

  it('does not offer systemctl where systemd does not run', () => {
    const root = scratch();
    dataFolder(join(root, 'var', 'lib', 'plexmediaserver'));
    const install = findPlexInstall({ root, env: {}, platform: 'linux' });
    expect(install.restart.command).toBeUndefined();
    expect(install.restart.note).toContain('no systemd');
    expect(install.tokenSource).toBeUndefined();
  });

  it('finds the Docker layout (/config) and restarts the container', () => {
    const root = scratch();
    const data = dataFolder(join(root, 'config'), 'tok-docker');
    const install = findPlexInstall({ root, env: {}, platform: 'linux' });
    expect(install.layout).toBe('docker');
    expect(install.dataDir?.value).toBe(data);
    expect(install.logsDir?.value).toBe(join(data, 'Logs'));
    expect(install.restart.command).toEqual(['docker', 'restart', 'plex']);
  });

  it('finds the macOS layout under the home folder, with its logs in ~/Library/Logs', () => {
    const home = scratch();
    const data = dataFolder(home);
    const logs = join(home, 'Library', 'Logs', 'Plex Media Server');
    mkdirSync(join(logs, 'PMS Plugin Logs'), { recursive: true });
    const install = findPlexInstall({ home, env: { PLEX_TOKEN: 'account' }, platform: 'darwin' });
    expect(install.layout).toBe('macos');
    expect(install.dataDir?.value).toBe(data);
    expect(install.logsDir).toEqual({ value: logs, source: 'the macOS default' });
    expect(install.tokenSource).toBe('PLEX_TOKEN');
    expect(install.restart.command?.[0]).toBe('sh');
  });

  it("follows Plex's environment variables first: the Application Support folder and the log folder", () => {
    const base = scratch();
    const data = dataFolder(join(base, 'custom'));
    const logs = join(base, 'logs-elsewhere');
    mkdirSync(logs);
    const install = findPlexInstall({
      root: scratch(),
      env: {
        PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: join(base, 'custom', 'Library', 'Application Support'),
        PLEX_MEDIA_SERVER_LOG_DIR: logs,
        PLEX_URL: 'http://nas:32400',
      },
      platform: 'linux',
    });
    expect(install.dataDir).toEqual({ value: data, source: 'PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR' });
    expect(install.logsDir).toEqual({ value: logs, source: 'PLEX_MEDIA_SERVER_LOG_DIR' });
    expect(install.url).toEqual({ value: 'http://nas:32400', source: 'PLEX_URL' });
  });

  it('takes PLEX_DATA_DIR as the data folder and its Logs folder as the logs; a Docker volume on the host is a Docker layout', () => {
    const base = scratch();
    const data = dataFolder(join(base, 'opt', 'plex', 'config'));
    const install = findPlexInstall({ root: scratch(), env: { PLEX_DATA_DIR: data }, platform: 'linux' });
    expect(install.dataDir).toEqual({ value: data, source: 'PLEX_DATA_DIR' });
    expect(install.logsDir?.value).toBe(join(data, 'Logs'));
    expect(install.layout).toBe('docker');
  });

  it('finds the Windows layout in %LOCALAPPDATA% and restarts the tray app, not a service', () => {
    const local = scratch();
    mkdirSync(join(local, 'Plex Media Server', 'Logs'), { recursive: true });
    const install = findPlexInstall({ env: { LOCALAPPDATA: local }, platform: 'win32', home: local });
    expect(install.layout).toBe('windows');
    expect(install.logsDir?.value).toContain('Logs');
    expect(install.restart.command?.join(' ')).toContain('Stop-Process');
    expect(install.restart.command?.join(' ')).not.toContain('Restart-Service');
  });

  it('finds nothing where nothing is, and says where it looked', () => {
    const install = findPlexInstall({ root: scratch(), env: {}, platform: 'linux', home: scratch() });
    expect(install.dataDir).toBeUndefined();
    expect(install.logsDir).toBeUndefined();
    expect(install.searched.join('\n')).toContain(
      '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server',
    );
    expect(install.searched.join('\n')).toContain('/config/Library/Application Support/Plex Media Server');
  });
});

describe('the server token', () => {
  it('is read from PlexOnlineToken, and PLEX_TOKEN or a given token wins over it', () => {
    const data = dataFolder(scratch(), 'server-token');
    const prefs = join(data, 'Preferences.xml');
    expect(readPlexOnlineToken(prefs)).toBe('server-token');
    expect(resolvePlexToken({ preferences: prefs, env: {} })).toBe('server-token');
    expect(resolvePlexToken({ preferences: prefs, env: { PLEX_TOKEN: 'account' } })).toBe('account');
    expect(resolvePlexToken({ token: 'given', preferences: prefs, env: { PLEX_TOKEN: 'account' } })).toBe(
      'given',
    );
    expect(resolvePlexToken({ env: {} })).toBeUndefined();
  });

  it('is an error when the named Preferences.xml holds none', () => {
    const prefs = join(dataFolder(scratch()), 'Preferences.xml');
    expect(readPlexOnlineToken(prefs)).toBeUndefined();
    expect(() => resolvePlexToken({ preferences: prefs, env: {} })).toThrow(/no PlexOnlineToken in/);
  });
});
