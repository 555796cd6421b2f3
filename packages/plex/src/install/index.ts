export {
  type Found,
  findPlexInstall,
  type InstallLayout,
  type InstallSearchRoots,
  type PlexInstall,
} from './find-install.js';
export { readPlexOnlineToken, resolvePlexToken } from './preferences.js';
export { restartCommandFor } from './restart-command.js';
