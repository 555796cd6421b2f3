import { readFileSync } from 'node:fs';
import { RatchetError, registerSecret } from '@ratchet/core';

const ONLINE_TOKEN = /\sPlexOnlineToken\s*=\s*"([^"]*)"/;

/**
 * The server's own token, the `PlexOnlineToken` attribute of `<data dir>/Preferences.xml` (Linux,
 * Docker; macOS keeps it in a plist, Windows in the registry). Undefined when the file or the
 * attribute is missing. The value is for memory only: never write it to a file or a log.
 */
export function readPlexOnlineToken(preferencesFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(preferencesFile, 'utf8');
  } catch {
    return undefined;
  }
  const value = ONLINE_TOKEN.exec(text.slice(0, 1_000_000))?.[1];
  if (!value || !/^[A-Za-z0-9._~+/=-]+$/.test(value)) return undefined;
  // Read into this process, it is a secret of this process: redacted wherever it would be written.
  registerSecret(value);
  return value;
}

/**
 * The token a Plex client sends: the one given, else PLEX_TOKEN, else the server's PlexOnlineToken
 * from the Preferences.xml named in the config. A Preferences.xml that was named but holds no token
 * is an error: the config promised a token there.
 */
export function resolvePlexToken(options: {
  token?: string;
  preferences?: string;
  env?: NodeJS.ProcessEnv;
}): string | undefined {
  if (options.token) return options.token;
  const fromEnv = (options.env ?? process.env).PLEX_TOKEN;
  if (fromEnv) return fromEnv;
  if (options.preferences === undefined) return undefined;
  const fromFile = readPlexOnlineToken(options.preferences);
  if (fromFile) return fromFile;
  throw new RatchetError('INPUT_INVALID', `no PlexOnlineToken in ${options.preferences}`, {
    hint: 'set PLEX_TOKEN to your account token, or sign the server in to Plex so that it has a token',
  });
}
