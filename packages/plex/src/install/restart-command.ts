import type { InstallLayout } from './find-install.js';

/**
 * How to restart the server on this kind of install. systemctl only where systemd runs (not in
 * most containers); a Docker install is restarted from the host by its container; a Windows or
 * macOS install is a desktop (tray) app, quit and started again.
 */
export function restartCommandFor(options: {
  platform: NodeJS.Platform;
  layout: InstallLayout | undefined;
  systemd: boolean;
}): { command: string[] | undefined; note: string } {
  if (options.layout === 'docker')
    return {
      command: ['docker', 'restart', 'plex'],
      note: 'a Docker install: restarts the container named "plex" (run Ratchet on the host, with the container\'s /config folder as the data folder; change the name if yours differs)',
    };
  if (options.platform === 'darwin')
    return {
      command: [
        'sh',
        '-c',
        'osascript -e \'quit app "Plex Media Server"\' && sleep 5 && open -a "Plex Media Server"',
      ],
      note: 'macOS: the server is an app; it is quit and opened again',
    };
  if (options.platform === 'win32')
    return {
      command: [
        'powershell',
        '-NoProfile',
        '-Command',
        'Stop-Process -Name "Plex Media Server" -ErrorAction SilentlyContinue; Start-Sleep 5; Start-Process "$env:ProgramFiles\\Plex\\Plex Media Server\\Plex Media Server.exe"',
      ],
      note: 'Windows: a normal install is a tray app, not a service; it is stopped and started again (check the path of Plex Media Server.exe)',
    };
  if (options.systemd)
    return { command: ['systemctl', 'restart', 'plexmediaserver'], note: 'Linux with systemd' };
  return {
    command: undefined,
    note: 'no systemd here (a container?): give the command that restarts your server',
  };
}
