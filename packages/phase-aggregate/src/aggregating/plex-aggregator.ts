import { createHash } from 'node:crypto';
import type { AggregateResult, ErrorType, ItemOutcome, Rate } from '@ratchet/core';
import { wilsonInterval } from '@ratchet/core';
import type { LogRule } from '@ratchet/plex';
import {
  ERROR_LEVELS,
  hostOf,
  httpStatusOf,
  isExceptionMessage,
  isModelErrorMessage,
  isSearchMessage,
  isTracebackBodyLine,
  isUpdateRequestMessage,
  isUrlErrorMessage,
  LOADING_MODEL_PREFIX,
  MODEL_READ_PATH_PREFIX,
  PLEX_ERROR_RULES,
  type PlexLogRecord,
  parseExceptionTail,
  parsePlexLine,
  plexTimestampToIso,
  quotedUrlOf,
  redactSecrets,
  searchItemIdOf,
  searchItemIdOfBytes,
  TRACEBACK_HEADER_SUFFIX,
  URL_ERROR_PREFIX,
  URLOPEN_ERROR_MARKER,
  updateGuidOf,
} from '@ratchet/plex';
import { type TemplateCluster, TemplateMiner } from '../mining/template-miner.js';
import type { ReadProblem, ReadStats } from '../reading/line-reader.js';
import {
  compareTimestampBytes,
  isErrorLevelBytes,
  levelName,
  OPERATION_NONE,
  OPERATION_SEARCH,
  OPERATION_UPDATE,
  PlexLineClassifier,
} from './line-classifier.js';
import { compileRules, RuleSet, type RuleSet as RuleSetType } from './rules.js';

export const PLEX_METRICS = [
  'records',
  'searchOps',
  'updateOps',
  'urlErrors',
  'modelErrors',
  'exceptions',
  'titleMatchFailures',
  'errorRecords',
  'unparsedLines',
  'orphanTracebacks',
] as const;
export type PlexMetric = (typeof PLEX_METRICS)[number];
export type MetricCounts = Record<PlexMetric, number>;

const MAX_EXAMPLES = 3;
const MAX_LISTED = 200;
const MAX_FILES_LISTED = 50;
const MAX_EXAMPLE_CHARS = 2000;
const MAX_ERROR_TYPES = 5000;
// Per-item outcomes serve the test phase's paired judgement, which reads short windows; over a whole
// log the list is informational. A bigger list costs memory and, for every operation, a lookup in a
// table too big for the CPU caches (with 100,000 it took a tenth of the aggregate's time).
const MAX_ITEMS = 20_000;
const MAX_OPEN_THREADS = 10_000;
const THREAD_CACHE_SLOTS = 64;

function emptyCounts(): MetricCounts {
  return Object.fromEntries(PLEX_METRICS.map((metric) => [metric, 0])) as MetricCounts;
}

/** A window in Plex's own timestamp form (local time), compared as strings. */
export interface PlexWindow {
  start?: string;
  end?: string;
}

interface Operation {
  item: string | undefined;
  failed: boolean;
}

interface PendingRecord {
  file: string;
  agent: string;
  timestamp: string | undefined;
  threadKey: string;
  level: string | undefined;
  message: string;
  line: string;
  tail: string | undefined;
  isException: boolean;
  operation: Operation | undefined;
}

interface ErrorAccumulator {
  category: string;
  agent: string;
  level: string | undefined;
  keyParts: string[];
  cluster: TemplateCluster | undefined;
  template: string | undefined;
  count: number;
  firstSeen: string | undefined;
  lastSeen: string | undefined;
  examples: string[];
  files: Set<string>;
  items: Set<string>;
  paths: Set<string>;
  httpStatus: number | undefined;
  host: string | undefined;
  exceptionType: string | undefined;
  exceptionMessage: string | undefined;
}

interface Detail {
  httpStatus?: number | undefined;
  host?: string | undefined;
  exceptionType?: string | undefined;
  exceptionMessage?: string | undefined;
  path?: string | undefined;
  template?: string | undefined;
}

interface FileState {
  path: string;
  agent: string;
  counts: MetricCounts;
  lastTimestamp: string | undefined;
  /** Where the last timestamp is when the fast path saw it: sliced only if needed. */
  lastTimestampText: string | undefined;
  lastTimestampStart: number;
  /** Where the last timestamp is when the byte path saw it. */
  lastTimestampBytes: Buffer | undefined;
  sawRecord: boolean;
  skipping: boolean;
  orphanLines: number;
  orphanTail: string | undefined;
  orphanFrames: number;
}

export interface PlexAggregatorOptions {
  window?: PlexWindow;
  /** User rules, tried before the built-in Plex rules. */
  rules?: readonly LogRule[];
}

const LOCAL_HOSTS = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;
const RESOURCE_HASHES_URL = /hashes\.json|resourceHashes/;

function bounded(set: Set<string>, value: string | undefined, max = MAX_LISTED): void {
  if (value !== undefined && set.size < max && !set.has(value)) set.add(detach(value));
}

/**
 * A copy of a string that does not keep its source alive. Slices of a 1 MB chunk of the log keep
 * the whole chunk in memory (V8 sliced strings): anything kept past the current line is detached.
 */
export function detach<T extends string | undefined>(text: T): T {
  if (text === undefined || text.length < 13) return text;
  return ` ${text}`.slice(1) as T;
}

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

function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 10);
}

function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  return LOCAL_HOSTS.test(host) ? host : host.replace(/:\d+$/, '');
}

/**
 * Streams Plex plug-in log lines into metrics, error types and per-item outcomes. Feed it with
 * `beginFile`, `line` for every line, `endFile`; then `result()`. Memory is bounded: error types,
 * items, open operations and examples are capped.
 */
export class PlexAggregator {
  private readonly window: PlexWindow | undefined;
  private readonly userRules: RuleSetType;
  private readonly builtinRules: RuleSetType;
  private readonly miner = new TemplateMiner({ maxClusters: 2000 });
  private readonly totals = emptyCounts();
  private readonly perAgent = new Map<string, MetricCounts>();
  private readonly perFile: Array<{ path: string; agent: string; counts: MetricCounts; stats?: ReadStats }> =
    [];
  private readonly errors = new Map<string, ErrorAccumulator>();
  private errorTypesDropped = 0;
  private readonly items = new Map<string, boolean>();
  private itemsDropped = 0;
  private readonly operations = new Map<string, Operation>();
  private readonly threadCache: Array<string | undefined> = new Array(THREAD_CACHE_SLOTS).fill(undefined);
  private readonly pendingUrlErrors = new Map<string, PendingRecord>();
  private readonly problems: ReadProblem[] = [];
  private file: FileState | undefined;
  private fileCounts = emptyCounts();
  private agentCounts = emptyCounts();
  private pending: PendingRecord | undefined;
  /** Message first characters that need the full path (metric prefixes and rule prefixes). */
  private readonly slowFirstChars: ReadonlySet<number>;
  /** Texts whose presence in a message needs the full path (`<urlopen error`, rule `contains`). */
  private readonly needles: string[];
  private readonly needleNext: number[];
  private needleText: string | undefined;
  /** The stateless header parser and plain-record test of the byte path. */
  private readonly classifier: PlexLineClassifier;

  constructor(options: PlexAggregatorOptions = {}) {
    this.window = options.window;
    this.userRules = new RuleSet(compileRules(options.rules ?? [], 'rules'));
    const builtin = compileRules(PLEX_ERROR_RULES, 'built-in rules');
    const user = compileRules(options.rules ?? [], 'rules');
    this.builtinRules = new RuleSet(builtin);
    const firstChars = new Set<number>([...'SHECUL'].map((char) => char.charCodeAt(0)));
    const needles = new Set<string>([URLOPEN_ERROR_MARKER]);
    for (const compiled of [...builtin, ...user]) {
      if (compiled.message === undefined) continue;
      if (compiled.prefixes) for (const prefix of compiled.prefixes) firstChars.add(prefix.charCodeAt(0));
      else if (compiled.rule.contains) for (const text of compiled.rule.contains) needles.add(text);
    }
    this.slowFirstChars = firstChars;
    this.needles = [...needles];
    this.needleNext = this.needles.map(() => -1);
    this.classifier = new PlexLineClassifier(options.rules ?? []);
  }

  beginFile(path: string, agent: string): void {
    this.endFile();
    let agentCounts = this.perAgent.get(agent);
    if (!agentCounts) {
      agentCounts = emptyCounts();
      this.perAgent.set(agent, agentCounts);
    }
    this.agentCounts = agentCounts;
    this.fileCounts = emptyCounts();
    this.perFile.push({ path, agent, counts: this.fileCounts });
    this.file = {
      path,
      agent,
      counts: this.fileCounts,
      lastTimestamp: undefined,
      lastTimestampText: undefined,
      lastTimestampStart: 0,
      lastTimestampBytes: undefined,
      sawRecord: false,
      skipping: false,
      orphanLines: 0,
      orphanTail: undefined,
      orphanFrames: 0,
    };
  }

  /** Records what the reader saw and the problems it met for the current file. */
  fileRead(stats: ReadStats, problems: readonly ReadProblem[]): void {
    const entry = this.perFile[this.perFile.length - 1];
    if (entry) entry.stats = stats;
    this.problems.push(...problems);
  }

  addProblems(problems: readonly ReadProblem[]): void {
    this.problems.push(...problems);
  }

  endFile(): void {
    const file = this.file;
    if (!file) return;
    this.finishPending();
    if (!file.sawRecord) this.finishOrphanFragment(undefined);
    for (const pendingUrl of this.pendingUrlErrors.values()) this.emitUrlError(pendingUrl, undefined);
    this.pendingUrlErrors.clear();
    this.operations.clear();
    this.file = undefined;
  }

  private count(metric: PlexMetric): void {
    this.totals[metric] += 1;
    this.fileCounts[metric] += 1;
    this.agentCounts[metric] += 1;
  }

  // The two counts made for most records, with fixed property names: cheaper on the hot path than
  // `count`'s keyed access.
  private countRecord(): void {
    this.totals.records += 1;
    this.fileCounts.records += 1;
    this.agentCounts.records += 1;
  }

  private countSearch(): void {
    this.totals.searchOps += 1;
    this.fileCounts.searchOps += 1;
    this.agentCounts.searchOps += 1;
  }

  /**
   * The fast path for a line inside a chunk (see `readLines`' `onLineAt`): a framework record at a
   * level below ERROR that no metric, rule or operation needs is counted without making strings.
   * Returns false when the line needs `line()`.
   */
  lineAt(text: string, start: number, end: number): boolean {
    const file = this.file;
    if (!file?.sawRecord || !this.classifier.fastPathAllowed) return false;
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
    // As in `lineBytes`: classifying the previous record may leave a URL error waiting for a status.
    this.finishPending();
    if (this.pendingUrlErrors.size > 0) return false;
    file.lastTimestamp = undefined;
    file.lastTimestampText = text;
    file.lastTimestampBytes = undefined;
    file.lastTimestampStart = start;
    if (this.window && !this.inWindow(text.slice(start, start + 23))) {
      file.skipping = true;
      return true;
    }
    file.skipping = false;
    this.countRecord();
    return true;
  }

  /**
   * Call when the bytes given to `lineBytes` and the like are about to be reused (the reader's
   * `afterChunk`): the only thing kept from them, the last record's timestamp, is decoded now.
   */
  releaseBytes(): void {
    const file = this.file;
    if (file?.lastTimestampBytes !== undefined) this.lastTimestampOf(file);
  }

  private lastTimestampOf(file: FileState): string | undefined {
    if (file.lastTimestamp === undefined && file.lastTimestampBytes !== undefined) {
      file.lastTimestamp = file.lastTimestampBytes.toString(
        'latin1',
        file.lastTimestampStart,
        file.lastTimestampStart + 23,
      );
      file.lastTimestampBytes = undefined;
    }
    if (file.lastTimestamp === undefined && file.lastTimestampText !== undefined) {
      file.lastTimestamp = file.lastTimestampText.slice(
        file.lastTimestampStart,
        file.lastTimestampStart + 23,
      );
      file.lastTimestampText = undefined;
    }
    return file.lastTimestamp;
  }

  /**
   * The byte-level path for a line of a clean region (see `readLines`' `onLineBytes`): parses the
   * file handler format on the bytes; a record below ERROR that no metric, rule or operation needs
   * is counted without making any string, any other record of that format is decoded and handled
   * as `line()` would. Returns false for every other line, which then goes to `line()`.
   */
  lineBytes(bytes: Buffer, start: number, end: number): boolean {
    const file = this.file;
    if (!file?.sawRecord || !this.classifier.fastPathAllowed) return false;
    const classifier = this.classifier;
    if (!classifier.parse(bytes, start, end)) return false;
    const messageStart = classifier.messageStart;
    // The record before this one is classified first: that may leave a URL error waiting for its
    // status, which this record may carry, so only then is it known whether this one is plain.
    this.finishPending();
    if (
      !classifier.isError &&
      this.pendingUrlErrors.size === 0 &&
      !classifier.needsFullPath(bytes, messageStart, end)
    ) {
      this.countPlainRecord(file, bytes, start);
      return true;
    }
    this.handleRecordBytes(
      file,
      bytes,
      start,
      end,
      classifier.threadEnd,
      classifier.levelStart,
      classifier.levelEnd,
      messageStart,
    );
    return true;
  }

  /** Counts a record from the byte path; `lineBytes` has already finished the pending record. */
  private countPlainRecord(file: FileState, bytes: Buffer, start: number): void {
    file.lastTimestamp = undefined;
    file.lastTimestampText = undefined;
    file.lastTimestampBytes = bytes;
    file.lastTimestampStart = start;
    if (this.window && !this.inWindowBytes(bytes, start)) {
      file.skipping = true;
      return;
    }
    file.skipping = false;
    this.countRecord();
  }

  /**
   * The thread id at `bytes[start, end)` as a string, the same string for the same id while it is
   * in a small cache: a log has a few threads and each of their records needs the id as a map key,
   * so it is not decoded and hashed again per record. The id is ASCII (the classifier checked it).
   */
  private threadName(bytes: Buffer, start: number, end: number): string {
    const length = end - start;
    let hash = length;
    for (let at = start; at < end; at += 1) hash = (Math.imul(hash, 31) + (bytes[at] as number)) | 0;
    const slot = hash & (THREAD_CACHE_SLOTS - 1);
    const cached = this.threadCache[slot];
    if (cached !== undefined && cached.length === length) {
      let same = true;
      for (let i = 0; i < length; i += 1)
        if (cached.charCodeAt(i) !== bytes[start + i]) {
          same = false;
          break;
        }
      if (same) return cached;
    }
    const name = bytes.toString('latin1', start, end);
    this.threadCache[slot] = name;
    return name;
  }

  /** A framework record whose header was parsed, handled as `line()` would handle it. */
  private handleRecordBytes(
    file: FileState,
    bytes: Buffer,
    start: number,
    end: number,
    threadEnd: number,
    levelStart: number,
    levelEnd: number,
    messageStart: number,
  ): void {
    if (
      file.sawRecord &&
      this.pendingUrlErrors.size === 0 &&
      !isErrorLevelBytes(bytes, levelStart, levelEnd)
    ) {
      const kind = this.classifier.operationKind(bytes, messageStart, end);
      if (kind !== OPERATION_NONE) {
        this.handleOperationRecord(file, kind, bytes, start, end, threadEnd, messageStart);
        return;
      }
    }
    // Only the message is decoded (UTF-8); the header is ASCII. The whole line is decoded only if
    // the record becomes an example.
    this.handleRecord(
      file,
      {
        timestamp: undefined,
        logger: undefined,
        thread: this.threadName(bytes, start + 25, threadEnd),
        level: levelName(bytes, levelStart, levelEnd),
        source: undefined,
        message: bytes.toString('utf8', messageStart, end),
        format: 'framework',
      },
      undefined,
      bytes,
      start,
      end,
    );
  }

  /**
   * A record that only starts an operation or names its item (`PlexLineClassifier.operationKind`):
   * what `handleRecord` would do for it, without decoding more than the item or building a record.
   * The classifier has checked that no rule, needle or traceback header concerns it, and the caller
   * that no URL error waits for a status.
   */
  private handleOperationRecord(
    file: FileState,
    kind: number,
    bytes: Buffer,
    start: number,
    end: number,
    threadEnd: number,
    messageStart: number,
  ): void {
    this.countPlainRecord(file, bytes, start);
    if (file.skipping) return;
    const threadKey = this.threadName(bytes, start + 25, threadEnd);
    if (kind === OPERATION_SEARCH) {
      this.countSearch();
      this.startOperation(threadKey, searchItemIdOfBytes(bytes, messageStart, end), true);
    } else if (kind === OPERATION_UPDATE) {
      this.count('updateOps');
      this.startOperation(threadKey, undefined);
    } else {
      const operation = this.operations.get(threadKey);
      if (operation !== undefined && operation.item === undefined)
        this.setItem(
          operation,
          bytes.toString('utf8', messageStart + LOADING_MODEL_PREFIX.length, end).trim(),
          true,
        );
    }
  }

  private inWindowBytes(bytes: Buffer, start: number): boolean {
    const window = this.window;
    if (!window) return true;
    if (window.start !== undefined && compareTimestampBytes(bytes, start, window.start) < 0) return false;
    if (window.end !== undefined && compareTimestampBytes(bytes, start, window.end) >= 0) return false;
    return true;
  }

  line(line: string): void {
    const file = this.file;
    if (!file) throw new Error('PlexAggregator.line called before beginFile');
    const record = parsePlexLine(line);
    if (record === undefined) {
      this.continuation(file, line);
      return;
    }
    this.handleRecord(file, record, line);
  }

  private handleRecord(
    file: FileState,
    record: PlexLogRecord,
    line: string | undefined,
    bytes?: Buffer,
    lineStart = 0,
    lineEnd = 0,
  ): void {
    this.finishPending();
    if (record.timestamp !== undefined) {
      file.lastTimestamp = record.timestamp;
      file.lastTimestampText = undefined;
      file.lastTimestampBytes = undefined;
    } else if (bytes !== undefined) {
      // A record from the byte path: its timestamp is decoded only if something needs it.
      file.lastTimestamp = undefined;
      file.lastTimestampText = undefined;
      file.lastTimestampBytes = bytes;
      file.lastTimestampStart = lineStart;
    }
    if (!file.sawRecord) {
      file.sawRecord = true;
      this.finishOrphanFragment(this.lastTimestampOf(file));
    }
    if (this.window && !this.inWindow(this.lastTimestampOf(file))) {
      file.skipping = true;
      return;
    }
    file.skipping = false;
    this.countRecord();

    const message = record.message;
    const level = record.level;
    const threadKey = record.thread ?? '';
    let operation = this.operations.get(threadKey);

    if (isSearchMessage(message)) {
      this.countSearch();
      operation = this.startOperation(threadKey, searchItemIdOf(message));
    } else if (isUpdateRequestMessage(message)) {
      this.count('updateOps');
      operation = this.startOperation(threadKey, undefined);
    } else if (
      operation !== undefined &&
      operation.item === undefined &&
      message.startsWith(LOADING_MODEL_PREFIX)
    ) {
      this.setItem(operation, message.slice(LOADING_MODEL_PREFIX.length).trim());
    }

    const isError = level === 'ERROR' || level === 'CRITICAL';
    if (isError) this.count('errorRecords');
    const urlError = isUrlErrorMessage(message);
    if (urlError) this.count('urlErrors');
    const modelError = isModelErrorMessage(message);
    if (modelError) this.count('modelErrors');
    const exception = isExceptionMessage(message);
    if (exception) this.count('exceptions');

    if (this.pendingUrlErrors.size > 0) {
      const status = httpStatusOf(message);
      const waiting = this.pendingUrlErrors.get(threadKey);
      if (waiting && status !== undefined && !exception) {
        this.pendingUrlErrors.delete(threadKey);
        this.emitUrlError(waiting, status);
      }
    }

    if (!exception && !isError && !urlError && !modelError && this.userRules.size === 0) {
      const rule = this.builtinRules.match(message, level, undefined);
      if (rule === undefined) return;
      this.applyRule(
        this.pendingRecord(file, record, threadKey, line, bytes, lineStart, lineEnd, false, operation),
        rule.rule,
      );
      return;
    }
    const pending = this.pendingRecord(
      file,
      record,
      threadKey,
      line,
      bytes,
      lineStart,
      lineEnd,
      exception,
      operation,
    );
    // An exception is classified when its traceback ends: the tail line tells the exception type.
    if (exception) this.pending = pending;
    else this.classify(pending, isError);
  }

  /** The record as kept for classification (a method, not a closure: handleRecord runs per record). */
  private pendingRecord(
    file: FileState,
    record: PlexLogRecord,
    threadKey: string,
    line: string | undefined,
    bytes: Buffer | undefined,
    lineStart: number,
    lineEnd: number,
    isException: boolean,
    operation: Operation | undefined,
  ): PendingRecord {
    return {
      file: file.path,
      agent: file.agent,
      timestamp: this.lastTimestampOf(file),
      threadKey,
      level: record.level,
      message: record.message,
      line: line ?? bytes?.toString('utf8', lineStart, lineEnd) ?? record.message,
      tail: undefined,
      isException,
      operation,
    };
  }

  private inWindow(timestamp: string | undefined): boolean {
    const window = this.window;
    if (!window) return true;
    if (timestamp === undefined) return false;
    if (window.start !== undefined && timestamp < window.start) return false;
    if (window.end !== undefined && timestamp >= window.end) return false;
    return true;
  }

  /** `fresh`: `item` is a string of its own (decoded from bytes), not a slice of a bigger one. */
  private startOperation(threadKey: string, item: string | undefined, fresh = false): Operation {
    const waiting = this.pendingUrlErrors.get(threadKey);
    if (waiting) {
      this.pendingUrlErrors.delete(threadKey);
      this.emitUrlError(waiting, undefined);
    }
    const operation: Operation = { item: undefined, failed: false };
    if (this.operations.size >= MAX_OPEN_THREADS && !this.operations.has(threadKey)) {
      const oldest = this.operations.keys().next().value;
      if (oldest !== undefined) this.operations.delete(oldest);
    }
    this.operations.delete(threadKey);
    this.operations.set(detach(threadKey), operation);
    if (item !== undefined) this.setItem(operation, item, fresh);
    return operation;
  }

  private setItem(operation: Operation, rawItem: string, fresh = false): void {
    const item = fresh ? rawItem : detach(rawItem);
    operation.item = item;
    const known = this.items.get(item);
    if (known === undefined) {
      if (this.items.size >= MAX_ITEMS) {
        this.itemsDropped += 1;
        return;
      }
      this.items.set(item, !operation.failed);
    } else if (operation.failed && known) this.items.set(item, false);
  }

  private markFailed(operation: Operation | undefined): void {
    if (!operation) return;
    operation.failed = true;
    if (operation.item !== undefined && this.items.has(operation.item)) this.items.set(operation.item, false);
  }

  private continuation(file: FileState, line: string): void {
    if (!file.sawRecord) {
      if (isTracebackBodyLine(line)) {
        file.orphanFrames += 1;
        file.orphanLines += 1;
      } else if (parseExceptionTail(line) !== undefined && file.orphanFrames > 0) {
        file.orphanTail = line;
        file.orphanLines += 1;
      } else if (line.length > 0) this.count('unparsedLines');
      return;
    }
    if (file.skipping) return;
    const pending = this.pending;
    if (!pending?.isException) return;
    if (line.length === 0 || isTracebackBodyLine(line)) return;
    if (parseExceptionTail(line) !== undefined) pending.tail = line;
  }

  private finishOrphanFragment(timestamp: string | undefined): void {
    const file = this.file;
    if (!file || file.orphanLines === 0) return;
    if (this.window && !this.inWindow(timestamp)) return;
    this.count('orphanTracebacks');
    const tail = file.orphanTail;
    const parsed = tail === undefined ? undefined : parseExceptionTail(tail);
    const status = tail === undefined ? undefined : httpStatusOf(tail);
    const category =
      status === 429
        ? 'rate-limited'
        : status !== undefined
          ? 'http-error'
          : tail?.includes('timed out')
            ? 'timeout'
            : 'unknown';
    const record: PendingRecord = {
      file: file.path,
      agent: file.agent,
      timestamp,
      threadKey: '',
      level: undefined,
      message: tail ?? '(traceback fragment without its tail)',
      line: `(traceback continued from the previous file)\n${tail ?? ''}`,
      tail,
      isException: true,
      operation: undefined,
    };
    this.addError(
      record,
      category,
      category === 'unknown' ? [parsed?.type ?? 'fragment'] : [String(status ?? 'none')],
      {
        httpStatus: status,
        exceptionType: parsed?.type,
        exceptionMessage: parsed?.message,
        template: category === 'unknown' ? `${parsed?.type ?? 'traceback'}: <*>` : undefined,
      },
    );
  }

  private finishPending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.classify(pending, pending.level !== undefined && ERROR_LEVELS.has(pending.level));
  }

  private classify(record: PendingRecord, isError: boolean): void {
    const tail = record.tail === undefined ? undefined : parseExceptionTail(record.tail);
    const tailStatus = record.tail === undefined ? undefined : httpStatusOf(record.tail);
    if (tailStatus !== undefined) {
      const waiting = this.pendingUrlErrors.get(record.threadKey);
      if (waiting) {
        this.pendingUrlErrors.delete(record.threadKey);
        this.emitUrlError(waiting, tailStatus);
      }
    }
    const userRule = this.userRules.match(record.message, record.level, record.tail);
    if (userRule) {
      this.applyRule(record, userRule.rule, tail);
      return;
    }
    if (isUrlErrorMessage(record.message)) {
      this.markFailed(record.operation);
      if (record.message.startsWith(URL_ERROR_PREFIX)) {
        const status = httpStatusOf(record.message);
        if (status !== undefined) this.emitUrlError(record, status);
        else {
          const previous = this.pendingUrlErrors.get(record.threadKey);
          if (previous) this.emitUrlError(previous, undefined);
          this.pendingUrlErrors.set(record.threadKey, record);
        }
      } else this.emitUrlError(record, httpStatusOf(record.message));
      return;
    }
    const rule = this.builtinRules.match(record.message, record.level, record.tail);
    if (rule) {
      this.applyRule(record, rule.rule, tail);
      return;
    }
    if (!isError) return;
    this.markFailed(record.operation);
    const cluster = this.miner.add(record.message);
    this.addError(
      record,
      'unknown',
      [`#${cluster.id}`],
      {
        exceptionType: tail?.type,
        exceptionMessage: tail?.message,
        httpStatus: tailStatus,
      },
      cluster,
    );
  }

  private applyRule(
    record: PendingRecord,
    rule: LogRule,
    tail: { type: string; message: string } | undefined = undefined,
  ): void {
    if (rule.titleMatchFailure) this.count('titleMatchFailures');
    this.markFailed(record.operation);
    const status = record.tail === undefined ? httpStatusOf(record.message) : httpStatusOf(record.tail);
    const keyParts: string[] = [];
    if (tail?.type) keyParts.push(tail.type);
    if (status !== undefined) keyParts.push(String(status));
    const path = record.message.startsWith(MODEL_READ_PATH_PREFIX)
      ? record.message.slice(MODEL_READ_PATH_PREFIX.length).trim()
      : undefined;
    this.addError(record, rule.category, keyParts, {
      httpStatus: status,
      exceptionType: tail?.type,
      exceptionMessage: tail?.message,
      path,
    });
  }

  private emitUrlError(record: PendingRecord, status: number | undefined): void {
    const url = quotedUrlOf(record.message);
    const host = url === undefined ? undefined : hostOf(url);
    const hostname = hostnameOf(host);
    let category: string;
    if (url !== undefined && RESOURCE_HASHES_URL.test(url)) category = 'resource-hashes';
    else if (status === 429) category = 'rate-limited';
    else if (record.message.includes('timed out')) category = 'timeout';
    else if (hostname !== undefined && LOCAL_HOSTS.test(hostname)) category = 'local-pms-unreachable';
    else category = 'http-error';
    const keyParts = [status === undefined ? 'no-status' : String(status)];
    if (hostname !== undefined) keyParts.push(hostname);
    this.addError(record, category, keyParts, { httpStatus: status, host: hostname });
  }

  private addError(
    record: PendingRecord,
    category: string,
    keyParts: string[],
    detail: Detail,
    cluster?: TemplateCluster,
  ): void {
    const key = detach([category, record.agent, ...keyParts].join(':'));
    let error = this.errors.get(key);
    if (!error) {
      if (this.errors.size >= MAX_ERROR_TYPES) {
        this.errorTypesDropped += 1;
        return;
      }
      error = {
        category,
        agent: record.agent,
        level: record.level,
        keyParts: keyParts.map((part) => detach(part)),
        cluster,
        template: detail.template,
        count: 0,
        firstSeen: undefined,
        lastSeen: undefined,
        examples: [],
        files: new Set(),
        items: new Set(),
        paths: new Set(),
        httpStatus: detail.httpStatus,
        host: detach(detail.host),
        exceptionType: detach(detail.exceptionType),
        exceptionMessage: detach(
          detail.exceptionMessage === undefined ? undefined : redactSecrets(detail.exceptionMessage),
        ),
      };
      this.errors.set(key, error);
    }
    error.count += 1;
    const timestamp = record.timestamp;
    if (timestamp !== undefined) {
      if (error.firstSeen === undefined || timestamp < error.firstSeen) error.firstSeen = timestamp;
      if (error.lastSeen === undefined || timestamp > error.lastSeen) error.lastSeen = timestamp;
    }
    if (error.examples.length < MAX_EXAMPLES) {
      const example =
        record.tail === undefined || record.line.includes(record.tail)
          ? record.line
          : `${record.line}\n  ...\n${record.tail}`;
      const clipped =
        example.length > MAX_EXAMPLE_CHARS ? `${example.slice(0, MAX_EXAMPLE_CHARS)}...` : example;
      error.examples.push(detach(redactSecrets(clipped)));
    }
    bounded(error.files, record.file, MAX_FILES_LISTED);
    bounded(
      error.items,
      record.operation?.item ?? updateGuidOf(record.message) ?? searchItemIdOf(record.message),
    );
    bounded(error.paths, detail.path);
    error.httpStatus ??= detail.httpStatus;
    error.host ??= detach(detail.host);
    error.exceptionType ??= detach(detail.exceptionType);
    error.exceptionMessage ??= detach(
      detail.exceptionMessage === undefined ? undefined : redactSecrets(detail.exceptionMessage),
    );
  }

  /** The measurement so far (call after the last `endFile`). */
  result(windowIso?: { start?: string; end?: string }): AggregateResult {
    this.endFile();
    const merged = new Map<string, ErrorType>();
    for (const error of this.errors.values()) {
      const template = error.cluster ? TemplateMiner.template(error.cluster) : error.template;
      const idParts =
        error.cluster !== undefined
          ? [error.category, error.agent, shortHash(template ?? '')]
          : [error.category, error.agent, ...error.keyParts];
      const id = idParts.join(':');
      const existing = merged.get(id);
      if (existing) {
        existing.count += error.count;
        continue;
      }
      const errorType: ErrorType = {
        id,
        category: error.category,
        count: error.count,
        agents: [error.agent],
        files: [...error.files],
        examples: error.examples,
      };
      if (template !== undefined) errorType.template = template;
      if (error.level !== undefined) errorType.level = error.level;
      if (error.firstSeen !== undefined) errorType.firstSeen = plexTimestampToIso(error.firstSeen);
      if (error.lastSeen !== undefined) errorType.lastSeen = plexTimestampToIso(error.lastSeen);
      if (error.items.size > 0) errorType.items = [...error.items];
      if (error.paths.size > 0) errorType.paths = [...error.paths];
      if (error.httpStatus !== undefined) errorType.httpStatus = error.httpStatus;
      if (error.host !== undefined) errorType.host = error.host;
      if (error.exceptionType !== undefined) errorType.exceptionType = error.exceptionType;
      if (error.exceptionMessage !== undefined) errorType.exceptionMessage = error.exceptionMessage;
      merged.set(id, errorType);
    }
    const errorTypes = [...merged.values()].sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1));
    const items: ItemOutcome[] = [...this.items.entries()].map(([item, ok]) => ({ item, ok }));
    const problems: Array<{ file?: string; kind: string; message: string }> = this.problems.map(
      (problem) => ({
        ...problem,
      }),
    );
    if (this.errorTypesDropped > 0) {
      problems.push({
        kind: 'error-types-capped',
        message: `more than ${MAX_ERROR_TYPES} error types: ${this.errorTypesDropped} record(s) were not given a type`,
      });
    }
    if (this.itemsDropped > 0) {
      problems.push({
        kind: 'items-capped',
        message: `more than ${MAX_ITEMS} items: ${this.itemsDropped} operation(s) were not listed in items`,
      });
    }
    const result: AggregateResult = {
      window: windowIso ?? {},
      files: this.perFile.map((entry) => ({
        path: entry.path,
        agent: entry.agent,
        ...(entry.stats
          ? {
              bytes: entry.stats.bytes,
              lines: entry.stats.lines,
              gzip: entry.stats.gzip,
              truncatedLines: entry.stats.truncatedLines,
              linesWithNul: entry.stats.linesWithNul,
              invalidUtf8: entry.stats.invalidUtf8,
            }
          : {}),
        metrics: entry.counts,
      })),
      metrics: { ...this.totals },
      rates: computeRates(this.totals),
      errorTypes,
      items,
      agents: Object.fromEntries([...this.perAgent.entries()].map(([agent, counts]) => [agent, counts])),
      problems,
    };
    return result;
  }
}

function rate(numerator: number, denominator: number): Rate {
  const value = denominator === 0 ? 0 : numerator / denominator;
  const result: Rate = { value, numerator, denominator };
  if (denominator > 0 && numerator <= denominator) {
    const { low, high } = wilsonInterval(numerator, denominator);
    result.low = low;
    result.high = high;
  }
  return result;
}

/**
 * `<metric>PerSearch` and `<metric>PerRecord` for every metric, with Wilson 95% intervals. Per-search
 * rates only where searches are counted at all (the generic preset has no `searchOps`).
 */
export function computeRates(metrics: Readonly<Record<string, number>>): Record<string, Rate> {
  const rates: Record<string, Rate> = {};
  const searches = metrics.searchOps;
  const records = metrics.records ?? 0;
  for (const [name, value] of Object.entries(metrics)) {
    if (searches !== undefined && name !== 'searchOps') rates[`${name}PerSearch`] = rate(value, searches);
    if (name !== 'records') rates[`${name}PerRecord`] = rate(value, records);
  }
  return rates;
}
