import type { LogRule } from '@ratchet/plex';
import {
  PLEX_ERROR_RULES,
  parsePlexLine,
  TRACEBACK_HEADER_SUFFIX,
  URLOPEN_ERROR_MARKER,
} from '@ratchet/plex';
import type { PlexLineClassifier } from '../byte-path/line-classifier.js';
import type { PlexRecordState } from '../record-state/record-state.js';
import { compileRules } from '../rules.js';

const ISO_TIMESTAMP_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
const ISO_TIMESTAMP_MARKS: Array<[number, number]> = [
  [4, 45],
  [7, 45],
  [10, 32],
  [13, 58],
  [16, 58],
  [19, 44],
];

/** `YYYY-MM-DD HH:MM:SS,mmm` at `start`. */
function isIsoTimestampAt(text: string, start: number): boolean {
  for (const [offset, code] of ISO_TIMESTAMP_MARKS)
    if (text.charCodeAt(start + offset) !== code) return false;
  for (const offset of ISO_TIMESTAMP_DIGITS) {
    const code = text.charCodeAt(start + offset);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * The text input paths: `line` parses a whole line into a record (or a continuation line), and
 * `lineAt` counts a plain record inside a decoded chunk without making strings.
 */
export class PlexTextPath {
  /** Message first characters that need the full path (metric prefixes and rule prefixes). */
  private readonly slowFirstChars: ReadonlySet<number>;
  /** Texts whose presence in a message needs the full path (`<urlopen error`, rule `contains`). */
  private readonly needles: string[];
  private readonly needleNext: number[];
  private needleText: string | undefined;

  constructor(
    private readonly state: PlexRecordState,
    private readonly classifier: PlexLineClassifier,
    rules: readonly LogRule[],
  ) {
    const firstChars = new Set<number>([...'SHECUL'].map((char) => char.charCodeAt(0)));
    const needles = new Set<string>([URLOPEN_ERROR_MARKER]);
    for (const compiled of [
      ...compileRules(PLEX_ERROR_RULES, 'built-in rules'),
      ...compileRules(rules, 'rules'),
    ]) {
      if (compiled.message === undefined) continue;
      if (compiled.prefixes) for (const prefix of compiled.prefixes) firstChars.add(prefix.charCodeAt(0));
      else if (compiled.rule.contains) for (const text of compiled.rule.contains) needles.add(text);
    }
    this.slowFirstChars = firstChars;
    this.needles = [...needles];
    this.needleNext = this.needles.map(() => -1);
  }

  /**
   * The fast path for a line inside a chunk (see `readLines`' `onLineAt`): a framework record at a
   * level below ERROR that no metric, rule or operation needs is counted without making strings.
   * Returns false when the line needs `line()`.
   */
  lineAt(text: string, start: number, end: number): boolean {
    const state = this.state;
    const file = state.file;
    if (!file?.sawRecord) return false;
    // As on the byte path: a line that starts with white space changes nothing after a record.
    const first = text.charCodeAt(start);
    if (start === end || first === 32 || first === 9) return true;
    if (!this.classifier.fastPathAllowed) return false;
    if (end - start < 32 || !isIsoTimestampAt(text, start)) return false;
    if (text.charCodeAt(start + 23) !== 32 || text.charCodeAt(start + 24) !== 40) return false;
    const threadEnd = text.indexOf(')', start + 25);
    if (threadEnd === -1 || threadEnd >= end || threadEnd === start + 25) return false;
    for (let i = start + 25; i < threadEnd; i += 1) {
      const code = text.charCodeAt(i);
      const hex = (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
      if (!hex && !(code === 45 && i === start + 25 && threadEnd > start + 26)) return false;
    }
    if (text.charCodeAt(threadEnd + 1) !== 32 || text.charCodeAt(threadEnd + 2) !== 58) return false;
    let levelStart = threadEnd + 3;
    while (text.charCodeAt(levelStart) === 32) levelStart += 1;
    if (levelStart === threadEnd + 3) return false;
    let levelEnd = levelStart;
    for (let code = text.charCodeAt(levelEnd); code >= 65 && code <= 90; code = text.charCodeAt(levelEnd))
      levelEnd += 1;
    if (levelEnd === levelStart || text.charCodeAt(levelEnd) !== 32 || text.charCodeAt(levelEnd + 1) !== 40)
      return false;
    const levelLength = levelEnd - levelStart;
    if (levelLength === 5 && text.startsWith('ERROR', levelStart)) return false;
    if (levelLength === 8 && text.startsWith('CRITICAL', levelStart)) return false;
    const sourceEnd = text.indexOf(')', levelEnd + 2);
    if (sourceEnd === -1 || sourceEnd + 3 > end) return false;
    if (text.charCodeAt(sourceEnd + 1) !== 32 || text.charCodeAt(sourceEnd + 2) !== 45) return false;
    if (text.charCodeAt(sourceEnd + 3) !== 32) return false;
    const messageStart = sourceEnd + 4;
    if (messageStart > end) return false;
    if (messageStart < end && this.slowFirstChars.has(text.charCodeAt(messageStart))) return false;
    if (
      end - messageStart >= TRACEBACK_HEADER_SUFFIX.length &&
      text.startsWith(TRACEBACK_HEADER_SUFFIX, end - TRACEBACK_HEADER_SUFFIX.length)
    ) {
      return false;
    }
    if (this.needleText !== text) {
      this.needleText = text;
      this.needleNext.fill(-1);
    }
    for (let i = 0; i < this.needles.length; i += 1) {
      let next = this.needleNext[i] ?? -1;
      if (next < start) {
        const found = text.indexOf(this.needles[i] ?? '', start);
        next = found === -1 ? Number.POSITIVE_INFINITY : found;
        this.needleNext[i] = next;
      }
      if (next < end) return false;
    }
    // As on the byte path: classifying the previous record may leave a URL error waiting for a status.
    state.finishPending();
    if (state.pendingUrlErrors.size > 0) return false;
    state.countPlainRecordText(file, text, start);
    return true;
  }

  line(line: string): void {
    const file = this.state.file;
    if (!file) throw new Error('PlexAggregator.line called before beginFile');
    const record = parsePlexLine(line);
    if (record === undefined) {
      this.state.continuation(file, line);
      return;
    }
    this.state.handleRecord(file, record, line);
  }
}
