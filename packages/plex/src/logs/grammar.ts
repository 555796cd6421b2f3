/**
 * The grammar of Plex plug-in log lines (Framework.bundle v2, see docs/plex/FORMAT.md), in the
 * shapes found in real logs: the file handler format, the console variant with the logger name,
 * HAMA's re-formatted and custom formats, the per-request format, the main server log format, and
 * any of them behind a syslog or journald prefix.
 */

export type PlexLineFormat = 'framework' | 'console' | 'agent-custom' | 'request' | 'pms-main';

export interface PlexLogRecord {
  /** Local time as written, normalised to `YYYY-MM-DD HH:MM:SS,mmm`; absent for per-request lines. */
  timestamp: string | undefined;
  thread: string | undefined;
  level: string | undefined;
  /** `module:lineno` (or `module/funcName:lineno`) as written. */
  source: string | undefined;
  /** The logger name of the console variant, e.g. `com.plexapp.agents.subzero`. */
  logger: string | undefined;
  /** The text after `) - ` on the line. */
  message: string;
  format: PlexLineFormat;
}

const FRAMEWORK_LINE =
  /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?:- (\S+) +)?\((-?[0-9a-fA-F]+)\) :\s+([A-Z]+) \(([^)]*)\) - /;
const AGENT_CUSTOM_LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - (-?[0-9a-fA-F]+) - /;
const REQUEST_LINE = /^(DEBUG|INFO|WARNING|ERROR|CRITICAL) \(([^)]*)\) - /;
const PMS_MAIN_LINE =
  /^([A-Z][a-z]{2}) (\d\d), (\d{4}) (\d\d:\d\d:\d\d)\.(\d{3}) \[0x([0-9a-fA-F]+)\] ([A-Z]+) - /;
const SYSLOG_PREFIX = /^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \S+ [^\s:]+: /;
const JOURNALD_ISO_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? \S+ [^\s:]+: /;

const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** True when the line may start with a `YYYY-MM-DD` date: a cheap test before any regex. */
function startsWithIsoDate(line: string): boolean {
  return (
    line.length > 24 &&
    isDigit(line.charCodeAt(0)) &&
    isDigit(line.charCodeAt(3)) &&
    line.charCodeAt(4) === 45 &&
    line.charCodeAt(7) === 45 &&
    line.charCodeAt(10) === 32
  );
}

const TIMESTAMP_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

function isHexOrMinus(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70) || code === 45
  );
}

/**
 * The file handler format without a regex: most lines of a log are in it, and this is the hot
 * path. Accepts exactly what FRAMEWORK_LINE accepts without a logger name, or returns undefined
 * and lets the regex decide.
 */
function parseFrameworkFast(line: string): PlexLogRecord | undefined {
  if (line.charCodeAt(13) !== 58 || line.charCodeAt(16) !== 58 || line.charCodeAt(19) !== 44)
    return undefined;
  if (line.charCodeAt(23) !== 32 || line.charCodeAt(24) !== 40) return undefined;
  for (const position of TIMESTAMP_DIGITS) if (!isDigit(line.charCodeAt(position))) return undefined;
  const threadEnd = line.indexOf(')', 25);
  if (threadEnd <= 25) return undefined;
  for (let i = 25; i < threadEnd; i += 1) if (!isHexOrMinus(line.charCodeAt(i))) return undefined;
  if (line.indexOf('-', 26) !== -1 && line.indexOf('-', 26) < threadEnd) return undefined;
  if (line.charCodeAt(25) === 45 && threadEnd === 26) return undefined;
  if (line.charCodeAt(threadEnd + 1) !== 32 || line.charCodeAt(threadEnd + 2) !== 58) return undefined;
  let levelStart = threadEnd + 3;
  while (line.charCodeAt(levelStart) === 32) levelStart += 1;
  if (levelStart === threadEnd + 3) return undefined;
  let levelEnd = levelStart;
  for (let code = line.charCodeAt(levelEnd); code >= 65 && code <= 90; code = line.charCodeAt(levelEnd))
    levelEnd += 1;
  if (levelEnd === levelStart || line.charCodeAt(levelEnd) !== 32 || line.charCodeAt(levelEnd + 1) !== 40)
    return undefined;
  const sourceEnd = line.indexOf(')', levelEnd + 2);
  if (sourceEnd === -1 || line.charCodeAt(sourceEnd + 1) !== 32 || line.charCodeAt(sourceEnd + 2) !== 45)
    return undefined;
  if (line.charCodeAt(sourceEnd + 3) !== 32) return undefined;
  return {
    timestamp: line.slice(0, 23),
    logger: undefined,
    thread: line.slice(25, threadEnd),
    level: line.slice(levelStart, levelEnd),
    source: line.slice(levelEnd + 2, sourceEnd),
    message: line.slice(sourceEnd + 4),
    format: 'framework',
  };
}

function parseUnprefixed(line: string): PlexLogRecord | undefined {
  if (startsWithIsoDate(line)) {
    const fast = parseFrameworkFast(line);
    if (fast) return fast;
    const framework = FRAMEWORK_LINE.exec(line);
    if (framework) {
      return {
        timestamp: framework[1],
        logger: framework[2],
        thread: framework[3],
        level: framework[4],
        source: framework[5],
        message: line.slice(framework[0].length),
        format: framework[2] === undefined ? 'framework' : 'console',
      };
    }
    const custom = AGENT_CUSTOM_LINE.exec(line);
    if (custom) {
      return {
        timestamp: custom[1],
        thread: custom[2],
        level: undefined,
        source: undefined,
        logger: undefined,
        message: line.slice(custom[0].length),
        format: 'agent-custom',
      };
    }
    return undefined;
  }
  const first = line.charCodeAt(0);
  if (first >= 65 && first <= 90) {
    const request = REQUEST_LINE.exec(line);
    if (request) {
      return {
        timestamp: undefined,
        thread: undefined,
        level: request[1],
        source: request[2],
        logger: undefined,
        message: line.slice(request[0].length),
        format: 'request',
      };
    }
    const main = PMS_MAIN_LINE.exec(line);
    if (main) {
      const month = MONTHS[main[1] ?? ''];
      if (month === undefined) return undefined;
      return {
        timestamp: `${main[3]}-${month}-${main[2]} ${main[4]},${main[5]}`,
        thread: main[6],
        level: main[7] === 'WARN' ? 'WARNING' : main[7],
        source: undefined,
        logger: undefined,
        message: line.slice(main[0].length),
        format: 'pms-main',
      };
    }
  }
  return undefined;
}

/**
 * Parses one line. Returns undefined when the line does not start a record: it then continues the
 * previous record (a traceback frame, the exception tail line) or is not a log line at all.
 */
export function parsePlexLine(line: string): PlexLogRecord | undefined {
  const record = parseUnprefixed(line);
  if (record !== undefined) return record;
  const first = line.charCodeAt(0);
  if (first >= 65 && first <= 90) {
    const syslog = SYSLOG_PREFIX.exec(line);
    if (syslog) return parseUnprefixed(line.slice(syslog[0].length));
  } else if (isDigit(first)) {
    const journald = JOURNALD_ISO_PREFIX.exec(line);
    if (journald) return parseUnprefixed(line.slice(journald[0].length));
  }
  return undefined;
}

/** The message of a traceback header ends with this (FORMAT.md section 2). */
export const TRACEBACK_HEADER_SUFFIX = '(most recent call last):';

const EXCEPTION_TAIL =
  /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|error)|[A-Z][\w.]*): ?(.*)$/;

/** `HTTPError: HTTP Error 404: Not Found` -> { type: 'HTTPError', message: 'HTTP Error 404: Not Found' } */
export function parseExceptionTail(line: string): { type: string; message: string } | undefined {
  const code = line.charCodeAt(0);
  if (code === 32 || code === 9 || Number.isNaN(code)) return undefined;
  const match = EXCEPTION_TAIL.exec(line);
  if (!match) return undefined;
  return { type: match[1] ?? '', message: match[2] ?? '' };
}

/** True for the frame and source lines inside a traceback (indented). */
export function isTracebackBodyLine(line: string): boolean {
  return line.startsWith('  File "') || line.startsWith('    ');
}

const HTTP_STATUS = /HTTP Error (\d{3})/;
/** The HTTP status in `HTTP Error 404: Not Found`, if any. */
export function httpStatusOf(text: string): number | undefined {
  const match = HTTP_STATUS.exec(text);
  return match ? Number(match[1]) : undefined;
}

const URL_IN_QUOTES = /'((?:https?|ftp):\/\/[^']*)'/;
/** The first quoted URL of a message (`Error opening URL 'http://...'`). */
export function quotedUrlOf(message: string): string | undefined {
  return URL_IN_QUOTES.exec(message)?.[1];
}

/** The host (with port when not the default) of a URL, or undefined when it does not parse. */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}
