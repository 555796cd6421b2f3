// Log lines quoted as examples may carry the Plex token (in a URL or a header): it must never reach
// a file Ratchet writes, nor the external diagnoser.
const TOKEN_PATTERNS = [/(X-Plex-Token(?:=|%3D|:\s*|"\s*:\s*"))[^&\s'"<>\\]+/gi];

export const REDACTED = '<redacted>';

export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let result = text;
  for (const pattern of TOKEN_PATTERNS) result = result.replace(pattern, `$1${REDACTED}`);
  const token = env.PLEX_TOKEN;
  if (token && token.length >= 6) result = result.split(token).join(REDACTED);
  return result;
}
