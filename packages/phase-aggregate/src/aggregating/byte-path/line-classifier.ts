import type { LogRule } from '@ratchet/plex';
import {
  LOADING_MODEL_PREFIX,
  MODEL_ERROR_PREFIXES,
  PLEX_ERROR_RULES,
  SEARCH_PREFIX,
  TRACEBACK_HEADER_SUFFIX,
  UPDATE_REQUEST_MARKER,
  UPDATE_REQUEST_PREFIX,
  URL_ERROR_PREFIX,
  URLOPEN_ERROR_MARKER,
} from '@ratchet/plex';
import { compileRules } from '../rules.js';

/*
 * The stateless half of the byte path: parses the framework's file-handler header on the bytes of a
 * line and tells whether the record is "plain" (below ERROR, and nothing a metric, a rule or an
 * operation looks at). It holds no state about earlier lines; the aggregator owns all the state.
 */

/** 1 for the bytes of hexadecimal digits. */
const IS_HEX = new Uint8Array(256);
for (const char of '0123456789abcdefABCDEF') IS_HEX[char.charCodeAt(0)] = 1;

function isDigitByte(code: number | undefined): boolean {
  return code !== undefined && code >= 48 && code <= 57;
}

/** `YYYY-MM-DD HH:MM:SS,mmm` at `start` of a byte buffer. */
export function isIsoTimestampBytesAt(b: Buffer, at: number): boolean {
  return (
    b[at + 4] === 45 &&
    b[at + 7] === 45 &&
    b[at + 10] === 32 &&
    b[at + 13] === 58 &&
    b[at + 16] === 58 &&
    b[at + 19] === 44 &&
    isDigitByte(b[at]) &&
    isDigitByte(b[at + 1]) &&
    isDigitByte(b[at + 2]) &&
    isDigitByte(b[at + 3]) &&
    isDigitByte(b[at + 5]) &&
    isDigitByte(b[at + 6]) &&
    isDigitByte(b[at + 8]) &&
    isDigitByte(b[at + 9]) &&
    isDigitByte(b[at + 11]) &&
    isDigitByte(b[at + 12]) &&
    isDigitByte(b[at + 14]) &&
    isDigitByte(b[at + 15]) &&
    isDigitByte(b[at + 17]) &&
    isDigitByte(b[at + 18]) &&
    isDigitByte(b[at + 20]) &&
    isDigitByte(b[at + 21]) &&
    isDigitByte(b[at + 22])
  );
}

/** Compares the 23 timestamp bytes at `start` with a Plex timestamp string, as strings compare. */
export function compareTimestampBytes(bytes: Buffer, start: number, timestamp: string): number {
  for (let i = 0; i < 23; i += 1) {
    const difference = (bytes[start + i] ?? 0) - timestamp.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return 23 - timestamp.length;
}

export function startsWithBytes(bytes: Buffer, at: number, end: number, prefix: Uint8Array): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i += 1) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const LEVEL_NAMES = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'].map(
  (name) => [name, Buffer.from(name, 'latin1')] as const,
);

/** The level at `bytes[start, end)`, without making a new string for the usual ones. */
export function levelName(bytes: Buffer, start: number, end: number): string {
  for (const [name, nameBytes] of LEVEL_NAMES)
    if (end - start === nameBytes.length && startsWithBytes(bytes, start, end, nameBytes)) return name;
  return bytes.toString('latin1', start, end);
}

/** Needle anchors are this long: long patterns make Node's search slower, not faster. */
const ANCHOR_BYTES = 4;
const ANCHOR_SAMPLE_BYTES = 64 * 1024;

/** Whether the level at `bytes[start, end)` is ERROR or CRITICAL. */
export function isErrorLevelBytes(bytes: Buffer, start: number, end: number): boolean {
  const length = end - start;
  return (
    (length === 5 && bytes[start] === 69 && bytes[start + 1] === 82) ||
    (length === 8 && bytes[start] === 67 && bytes[start + 1] === 82)
  );
}

const TRACEBACK_SUFFIX_BYTES = Buffer.from(TRACEBACK_HEADER_SUFFIX, 'utf8');

/** What `operationKind` finds: a record that only starts an operation or names its item. */
export const OPERATION_NONE = 0;
export const OPERATION_SEARCH = 1;
export const OPERATION_UPDATE = 2;
export const OPERATION_LOADING_MODEL = 3;

/** A message prefix that needs the full path; with `marker`, only when the line also holds it. */
interface SlowPrefix {
  bytes: Uint8Array;
  marker: number | undefined;
}

/**
 * Parses framework record headers on bytes and spots the records the aggregator can count without
 * decoding. After a successful `parse`, the fields describe the header of that line.
 */
export class PlexLineClassifier {
  /** False when some rule's message pattern has no literal prefix or needle: nothing is plain. */
  readonly fastPathAllowed: boolean;
  threadStart = 0;
  threadEnd = 0;
  levelStart = 0;
  levelEnd = 0;
  messageStart = 0;
  isError = false;

  /** Exact message prefixes by first byte, and needles (texts that may occur anywhere) as bytes. */
  private readonly slowPrefixes: Array<SlowPrefix[] | undefined> = [];
  private readonly needleBytes: Buffer[];
  private readonly needleBytesNext: number[];
  private needleBuffer: Buffer | undefined;
  private needleFrom = 0;
  /** The nearest cached needle occurrence (see `holdsAnyNeedle`); -1 when unknown. */
  private nearestNeedle = -1;
  /** Per needle, the part searched for (see `findNeedle`); chosen on the first buffer seen. */
  private anchors: Array<{ offset: number; bytes: Buffer } | undefined> | undefined;

  /**
   * Per operation kind, whether some rule's literal prefix could match a message with that kind's
   * prefix: then `operationKind` leaves such records to the full path.
   */
  private readonly prefixRuleMayMatch: boolean[];
  private readonly searchPrefix = Buffer.from(SEARCH_PREFIX, 'utf8');
  private readonly updatePrefix = Buffer.from(UPDATE_REQUEST_PREFIX, 'utf8');
  private readonly loadingPrefix = Buffer.from(LOADING_MODEL_PREFIX, 'utf8');

  /** `rules`: the user rules (the built-in Plex rules are always added). */
  constructor(rules: readonly LogRule[] = []) {
    const builtin = compileRules(PLEX_ERROR_RULES, 'built-in rules');
    const user = compileRules(rules, 'rules');
    const rulePrefixes = [...builtin, ...user].flatMap((compiled) =>
      compiled.message !== undefined && compiled.prefixes ? compiled.prefixes : [],
    );
    const mayMatch = (kindPrefix: string): boolean =>
      rulePrefixes.some((prefix) => prefix.startsWith(kindPrefix) || kindPrefix.startsWith(prefix));
    this.prefixRuleMayMatch = [
      true,
      mayMatch(SEARCH_PREFIX),
      mayMatch(UPDATE_REQUEST_PREFIX),
      mayMatch(LOADING_MODEL_PREFIX),
    ];
    const needles = new Set<string>([URLOPEN_ERROR_MARKER]);
    let allowed = true;
    for (const compiled of [...builtin, ...user]) {
      if (compiled.message === undefined || compiled.prefixes) continue;
      if (compiled.rule.contains) for (const text of compiled.rule.contains) needles.add(text);
      else allowed = false;
    }
    this.fastPathAllowed = allowed;
    // Needle 0 is the update-request marker, looked for only after the update-request prefix.
    const markers = [UPDATE_REQUEST_MARKER, ...needles];
    this.needleBytes = markers.map((text) => Buffer.from(text, 'utf8'));
    this.needleBytesNext = markers.map(() => -1);
    const addPrefix = (prefix: string, marker?: number): void => {
      const bytes = Buffer.from(prefix, 'utf8');
      const first = bytes[0];
      if (first === undefined) return;
      const list = this.slowPrefixes[first] ?? [];
      list.push({ bytes, marker });
      this.slowPrefixes[first] = list;
    };
    addPrefix(UPDATE_REQUEST_PREFIX, 0);
    for (const prefix of [SEARCH_PREFIX, URL_ERROR_PREFIX, LOADING_MODEL_PREFIX, ...MODEL_ERROR_PREFIXES])
      addPrefix(prefix);
    for (const compiled of [...builtin, ...user])
      if (compiled.message !== undefined && compiled.prefixes)
        for (const prefix of compiled.prefixes) addPrefix(prefix);
  }

  /**
   * Parses `bytes[start, end)` as a file-handler record (`timestamp (thread) :  LEVEL (source) -
   * message`). Returns false for any other line (continuations, other formats), which then need
   * the string path.
   */
  parse(bytes: Buffer, start: number, end: number): boolean {
    if (end - start < 32 || !isIsoTimestampBytesAt(bytes, start)) return false;
    if (bytes[start + 23] !== 32 || bytes[start + 24] !== 40) return false;
    const threadStart = start + 25;
    let threadEnd = threadStart;
    if (bytes[threadEnd] === 45) threadEnd += 1;
    while (threadEnd < end && IS_HEX[bytes[threadEnd] as number] === 1) threadEnd += 1;
    if (
      bytes[threadEnd] !== 41 ||
      threadEnd === threadStart ||
      (threadEnd === threadStart + 1 && bytes[threadStart] === 45)
    )
      return false;
    if (bytes[threadEnd + 1] !== 32 || bytes[threadEnd + 2] !== 58) return false;
    let levelStart = threadEnd + 3;
    while (bytes[levelStart] === 32) levelStart += 1;
    if (levelStart === threadEnd + 3) return false;
    let levelEnd = levelStart;
    for (let code = bytes[levelEnd] ?? 0; code >= 65 && code <= 90; code = bytes[levelEnd] ?? 0)
      levelEnd += 1;
    if (levelEnd === levelStart || bytes[levelEnd] !== 32 || bytes[levelEnd + 1] !== 40) return false;
    let sourceEnd = levelEnd + 2;
    while (sourceEnd < end && bytes[sourceEnd] !== 41) sourceEnd += 1;
    if (sourceEnd + 3 > end || bytes[sourceEnd + 1] !== 32 || bytes[sourceEnd + 2] !== 45) return false;
    if (bytes[sourceEnd + 3] !== 32) return false;
    this.threadStart = threadStart;
    this.threadEnd = threadEnd;
    this.levelStart = levelStart;
    this.levelEnd = levelEnd;
    this.messageStart = sourceEnd + 4;
    this.isError = isErrorLevelBytes(bytes, levelStart, levelEnd);
    return true;
  }

  /**
   * For a record below ERROR: OPERATION_SEARCH, _UPDATE or _LOADING_MODEL when its message has that
   * prefix and nothing else the aggregator looks at (no needle, no traceback header, no rule whose
   * prefix could match), so that starting the operation or naming its item is all it does;
   * otherwise OPERATION_NONE. Only the built-in and the classifier's rules are considered.
   */
  operationKind(bytes: Buffer, messageStart: number, end: number): number {
    let kind = OPERATION_NONE;
    if (startsWithBytes(bytes, messageStart, end, this.searchPrefix)) kind = OPERATION_SEARCH;
    else if (startsWithBytes(bytes, messageStart, end, this.loadingPrefix)) kind = OPERATION_LOADING_MODEL;
    else if (
      startsWithBytes(bytes, messageStart, end, this.updatePrefix) &&
      this.holdsNeedle(bytes, 0, messageStart, end)
    )
      kind = OPERATION_UPDATE;
    if (kind === OPERATION_NONE || this.prefixRuleMayMatch[kind]) return OPERATION_NONE;
    const suffix = TRACEBACK_SUFFIX_BYTES;
    if (end - messageStart >= suffix.length && startsWithBytes(bytes, end - suffix.length, end, suffix))
      return OPERATION_NONE;
    return this.holdsAnyNeedle(bytes, messageStart, end) ? OPERATION_NONE : kind;
  }

  /** True when a message needs the full path: a metric or rule prefix, a needle, a traceback header. */
  needsFullPath(bytes: Buffer, messageStart: number, end: number): boolean {
    if (messageStart < end) {
      const candidates = this.slowPrefixes[bytes[messageStart] ?? 0];
      if (candidates !== undefined) {
        for (const prefix of candidates) {
          if (!startsWithBytes(bytes, messageStart, end, prefix.bytes)) continue;
          if (prefix.marker === undefined || this.holdsNeedle(bytes, prefix.marker, messageStart, end))
            return true;
        }
      }
    }
    const suffix = TRACEBACK_SUFFIX_BYTES;
    if (end - messageStart >= suffix.length && bytes[end - 1] === 58) {
      if (startsWithBytes(bytes, end - suffix.length, end, suffix)) return true;
    }
    return this.holdsAnyNeedle(bytes, messageStart, end);
  }

  /**
   * Whether any needle (but the update marker) occurs within `bytes[from, end)`. Each needle's next
   * occurrence is found by one native search and cached, and so is the nearest of them: most lines
   * end before it and cost a single comparison.
   */
  private holdsAnyNeedle(bytes: Buffer, from: number, end: number): boolean {
    if (bytes === this.needleBuffer && from >= this.needleFrom && this.nearestNeedle >= end) {
      this.needleFrom = from;
      return false;
    }
    let nearest = Number.POSITIVE_INFINITY;
    let found = false;
    for (let index = 1; index < this.needleBytes.length; index += 1) {
      if (this.holdsNeedle(bytes, index, from, end)) found = true;
      nearest = Math.min(nearest, this.needleBytesNext[index] ?? -1);
    }
    this.nearestNeedle = nearest;
    return found;
  }

  /** Whether needle `index` occurs within `bytes[from, end)`; the next occurrence is cached per buffer. */
  private holdsNeedle(bytes: Buffer, index: number, from: number, end: number): boolean {
    // A new buffer, or one read again from its start, invalidates the cached positions.
    if (this.needleBuffer !== bytes || from < this.needleFrom) {
      if (this.anchors === undefined) this.chooseAnchors(bytes);
      this.needleBuffer = bytes;
      this.needleBytesNext.fill(-1);
      this.nearestNeedle = -1;
    }
    this.needleFrom = from;
    let next = this.needleBytesNext[index] ?? -1;
    if (next < from) {
      next = this.findNeedle(bytes, index, from);
      this.needleBytesNext[index] = next;
    }
    return next + (this.needleBytes[index]?.length ?? 0) <= end;
  }

  /**
   * The first occurrence of needle `index` at or after `from`, or +Infinity. Node's search runs at
   * the speed of a memchr for the pattern's first byte, so it searches for a short anchor inside the
   * needle that starts with a rare byte, then checks the whole needle around each hit.
   */
  private findNeedle(bytes: Buffer, index: number, from: number): number {
    const needle = this.needleBytes[index] as Buffer;
    const anchor = this.anchors?.[index];
    const offset = anchor?.offset ?? 0;
    const pattern = anchor?.bytes ?? needle;
    for (let at = bytes.indexOf(pattern, from + offset); at !== -1; at = bytes.indexOf(pattern, at + 1)) {
      const start = at - offset;
      if (anchor === undefined || startsWithBytes(bytes, start, bytes.length, needle)) return start;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Picks each needle's anchor: its 4-byte window whose first byte is rarest in `sample`. */
  private chooseAnchors(sample: Buffer): void {
    const counts = new Uint32Array(256);
    const length = Math.min(sample.length, ANCHOR_SAMPLE_BYTES);
    for (let i = 0; i < length; i += 1) {
      const byte = sample[i] as number;
      counts[byte] = (counts[byte] ?? 0) + 1;
    }
    this.anchors = this.needleBytes.map((needle) => {
      if (needle.length <= ANCHOR_BYTES) return undefined;
      let best = 0;
      for (let offset = 1; offset + ANCHOR_BYTES <= needle.length; offset += 1)
        if ((counts[needle[offset] as number] ?? 0) < (counts[needle[best] as number] ?? 0)) best = offset;
      return { offset: best, bytes: needle.subarray(best, best + ANCHOR_BYTES) };
    });
  }
}
