/**
 * The exact message signatures behind the Plex preset's metrics (see docs/aggregate.md). They are
 * published as data so that a user can check every count with grep.
 */

/** `Searching for matches for {...}` (agentkit.py), one per search request. */
export const SEARCH_PREFIX = 'Searching for matches for';

/** The base64 of `_AgentKit:UpdateMetadata` in the request that starts an update. */
export const UPDATE_REQUEST_MARKER = '/messaging/function/X0FnZW50S2l0OlVwZGF0ZU1ldGFkYXRh';
export const UPDATE_REQUEST_PREFIX = 'Handling request GET ';

export const URL_ERROR_PREFIX = 'Error opening URL';
export const URLOPEN_ERROR_MARKER = '<urlopen error';

export const MODEL_ERROR_PREFIXES: readonly string[] = [
  'Cannot read model from',
  'Exception deserializing',
  'Unable to deserialize object',
  'Exception serializing',
  'Cannot serialize at',
  "Can't write unidentified",
];

export const MODEL_READ_PATH_PREFIX = 'Cannot read model from ';
export const LOADING_MODEL_PREFIX = 'Loading model with GUID ';

export const ERROR_LEVELS: ReadonlySet<string> = new Set(['ERROR', 'CRITICAL']);

export function isSearchMessage(message: string): boolean {
  return message.startsWith(SEARCH_PREFIX);
}

export function isUpdateRequestMessage(message: string): boolean {
  return message.startsWith(UPDATE_REQUEST_PREFIX) && message.includes(UPDATE_REQUEST_MARKER);
}

export function isUrlErrorMessage(message: string): boolean {
  return message.startsWith(URL_ERROR_PREFIX) || message.includes(URLOPEN_ERROR_MARKER);
}

export function isModelErrorMessage(message: string): boolean {
  const first = message.charCodeAt(0);
  // Every model error starts with C, E or U: skip the loop for the common case.
  if (first !== 67 && first !== 69 && first !== 85) return false;
  for (const prefix of MODEL_ERROR_PREFIXES) if (message.startsWith(prefix)) return true;
  return false;
}

export function isExceptionMessage(message: string): boolean {
  return message.endsWith('(most recent call last):');
}

const SEARCH_ITEM_ID = /[{,] ?u?'id': u?'([^']+)'/;
/** The `'id'` value of the `Searching for matches for {...}` dict (the item's ratingKey). */
export function searchItemIdOf(message: string): string | undefined {
  return SEARCH_ITEM_ID.exec(message)?.[1];
}

const QUOTE = 39;

/**
 * `searchItemIdOf` on the bytes of a message: the first match of `[{,] ?u?'id': u?'([^']+)'`,
 * decoded. Its optional parts are distinct characters, so matching them greedily finds what the
 * regex finds; a UTF-8 sequence never holds a quote byte, so the capture is the same too.
 */
export function searchItemIdOfBytes(bytes: Buffer, start: number, end: number): string | undefined {
  for (let at = start; at < end; at += 1) {
    const code = bytes[at];
    if (code !== 123 && code !== 44) continue;
    let p = at + 1;
    if (bytes[p] === 32) p += 1;
    if (bytes[p] === 117) p += 1;
    if (!holdsAt(bytes, p, end, ID_KEY_BYTES)) continue;
    p += ID_KEY_BYTES.length;
    if (bytes[p] === 117 && bytes[p + 1] === QUOTE) p += 1;
    if (bytes[p] !== QUOTE || p + 1 >= end) continue;
    const valueStart = p + 1;
    let valueEnd = valueStart;
    while (valueEnd < end && bytes[valueEnd] !== QUOTE) valueEnd += 1;
    if (valueEnd === end || valueEnd === valueStart) continue;
    return bytes.toString('utf8', valueStart, valueEnd);
  }
  return undefined;
}

const ID_KEY_BYTES = Buffer.from("'id': ", 'latin1');

function holdsAt(bytes: Buffer, at: number, end: number, text: Buffer): boolean {
  if (end - at < text.length) return false;
  for (let i = 0; i < text.length; i += 1) if (bytes[at + i] !== text[i]) return false;
  return true;
}

const GUID_IN_QUOTES = /called with guid '([^']+)'/;
/** The guid named by an update exception (`... called with guid 'com.plexapp.agents.x://1?lang=en'`). */
export function updateGuidOf(message: string): string | undefined {
  return GUID_IN_QUOTES.exec(message)?.[1];
}

/**
 * Extended regular expressions that count the same records as the metrics, for
 * `grep -cE` (one line per record; a record's message follows `) - `).
 */
export const METRIC_GREP_PATTERNS: Readonly<Record<string, string>> = {
  searchOps: '\\) - Searching for matches for',
  updateOps: '\\) - Handling request GET .*X0FnZW50S2l0OlVwZGF0ZU1ldGFkYXRh',
  urlErrors: '\\) - (Error opening URL|.*<urlopen error)',
  modelErrors:
    "\\) - (Cannot read model from|Exception deserializing|Unable to deserialize object|Exception serializing|Cannot serialize at|Can't write unidentified)",
  exceptions: '\\(most recent call last\\):$',
};
