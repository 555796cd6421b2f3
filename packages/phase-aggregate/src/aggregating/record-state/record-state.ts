import { type AggregateResult, type ItemOutcome, redactText } from '@ratchet/core';
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
  quotedUrlOf,
  searchItemIdOf,
  URL_ERROR_PREFIX,
} from '@ratchet/plex';
import { TemplateMiner } from '../../mining/template-miner.js';
import type { ReadProblem, ReadStats } from '../../reading/line-reader.js';
import { detach } from '../detach.js';
import { ErrorTable, MAX_ERROR_TYPES } from '../error-table/error-table.js';
import { computeRates } from '../rates/compute-rates.js';
import { compileRules, RuleSet } from '../rules.js';
import { emptyCounts, type MetricCounts, type PlexMetric } from './metric-counts.js';
import { inWindow, inWindowBytes, type PlexWindow } from './window.js';

// Per-item outcomes serve the test phase's paired judgement, which reads short windows; over a whole
// log the list is informational. A bigger list costs memory and, for every operation, a lookup in a
// table too big for the CPU caches (with 100,000 it took a tenth of the aggregate's time).
const MAX_ITEMS = 20_000;
const MAX_OPEN_THREADS = 10_000;

const LOCAL_HOSTS = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;
const RESOURCE_HASHES_URL = /hashes\.json|resourceHashes/;

export interface Operation {
  item: string | undefined;
  failed: boolean;
}

/**
 * A record kept for classification. Its whole line is decoded only when it is read (as an example:
 * most error records of a type are not), or by `release` before the bytes it points into are reused.
 */
export class PendingRecord {
  tail: string | undefined = undefined;
  private text: string | undefined;
  private bytes: Buffer | undefined;

  constructor(
    readonly file: string,
    readonly agent: string,
    readonly timestamp: string | undefined,
    readonly threadKey: string,
    readonly level: string | undefined,
    readonly message: string,
    line: string | undefined,
    bytes: Buffer | undefined,
    private readonly lineStart: number,
    private readonly lineEnd: number,
    readonly isException: boolean,
    readonly operation: Operation | undefined,
  ) {
    this.text = line;
    this.bytes = line === undefined ? bytes : undefined;
  }

  get line(): string {
    if (this.text === undefined) {
      this.text = this.bytes?.toString('utf8', this.lineStart, this.lineEnd) ?? this.message;
      this.bytes = undefined;
    }
    return this.text;
  }

  /** Decodes the line now: the bytes it points into are about to be reused. */
  release(): void {
    if (this.bytes !== undefined) this.text = this.line;
  }
}

export interface FileState {
  path: string;
  agent: string;
  counts: MetricCounts;
  lastTimestamp: string | undefined;
  /** Where the last timestamp is when the text fast path saw it: sliced only if needed. */
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

function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  return LOCAL_HOSTS.test(host) ? host : host.replace(/:\d+$/, '');
}

/**
 * The state machine every input path feeds (text, bytes, whole lines): the current file, the
 * counts, the open operation per thread, the record waiting for its traceback, URL errors waiting
 * for a status, and the classification of a record into an error type. The paths decide how much
 * of a line to decode; what a record means is decided here only, so all paths give one result.
 */
export class PlexRecordState {
  readonly window: PlexWindow | undefined;
  private readonly userRules: RuleSet;
  private readonly builtinRules: RuleSet;
  private readonly miner = new TemplateMiner({ maxClusters: 2000 });
  private readonly totals = emptyCounts();
  private readonly perAgent = new Map<string, MetricCounts>();
  private readonly perFile: Array<{ path: string; agent: string; counts: MetricCounts; stats?: ReadStats }> =
    [];
  private readonly errors = new ErrorTable();
  private readonly items = new Map<string, boolean>();
  private itemsDropped = 0;
  readonly operations = new Map<string, Operation>();
  readonly pendingUrlErrors = new Map<string, PendingRecord>();
  private readonly problems: ReadProblem[] = [];
  file: FileState | undefined;
  private fileCounts = emptyCounts();
  private agentCounts = emptyCounts();
  private pending: PendingRecord | undefined;

  constructor(window: PlexWindow | undefined, rules: readonly LogRule[]) {
    this.window = window;
    this.userRules = new RuleSet(compileRules(rules, 'rules'));
    this.builtinRules = new RuleSet(compileRules(PLEX_ERROR_RULES, 'built-in rules'));
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

  count(metric: PlexMetric): void {
    this.totals[metric] += 1;
    this.fileCounts[metric] += 1;
    this.agentCounts[metric] += 1;
  }

  // The two counts made for most records, with fixed property names: cheaper on the hot path than
  // `count`'s keyed access.
  countRecord(): void {
    this.totals.records += 1;
    this.fileCounts.records += 1;
    this.agentCounts.records += 1;
  }

  countSearch(): void {
    this.totals.searchOps += 1;
    this.fileCounts.searchOps += 1;
    this.agentCounts.searchOps += 1;
  }

  /** Counts a record seen on the byte path; the caller has already finished the pending record. */
  countPlainRecordBytes(file: FileState, bytes: Buffer, start: number): void {
    file.lastTimestamp = undefined;
    file.lastTimestampText = undefined;
    file.lastTimestampBytes = bytes;
    file.lastTimestampStart = start;
    if (this.window && !inWindowBytes(this.window, bytes, start)) {
      file.skipping = true;
      return;
    }
    file.skipping = false;
    this.countRecord();
  }

  /** Counts a record seen on the text fast path; the caller has already finished the pending record. */
  countPlainRecordText(file: FileState, text: string, start: number): void {
    file.lastTimestamp = undefined;
    file.lastTimestampText = text;
    file.lastTimestampBytes = undefined;
    file.lastTimestampStart = start;
    if (this.window && !inWindow(this.window, text.slice(start, start + 23))) {
      file.skipping = true;
      return;
    }
    file.skipping = false;
    this.countRecord();
  }

  /**
   * Decodes what is kept from the bytes of the byte path, which are about to be reused: the last
   * timestamp, and the lines of the records waiting for a traceback or a status.
   */
  releaseBytes(): void {
    const file = this.file;
    if (file?.lastTimestampBytes !== undefined) this.lastTimestampOf(file);
    this.pending?.release();
    if (this.pendingUrlErrors.size > 0)
      for (const waiting of this.pendingUrlErrors.values()) waiting.release();
  }

  lastTimestampOf(file: FileState): string | undefined {
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
   * One record, whatever path parsed it. `line` is the whole line when the caller has it as text;
   * from the byte path it is undefined and `bytes[lineStart, lineEnd)` is decoded only if needed.
   */
  handleRecord(
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
    if (this.window && !inWindow(this.window, this.lastTimestampOf(file))) {
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
    return new PendingRecord(
      file.path,
      file.agent,
      this.lastTimestampOf(file),
      threadKey,
      record.level,
      record.message,
      line,
      bytes,
      lineStart,
      lineEnd,
      isException,
      operation,
    );
  }

  /** `fresh`: `item` is a string of its own (decoded from bytes), not a slice of a bigger one. */
  startOperation(threadKey: string, item: string | undefined, fresh = false): Operation {
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

  setItem(operation: Operation, rawItem: string, fresh = false): void {
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

  /**
   * A line that is not a record: a traceback line, the tail of one, or an unparsed line. Once the
   * file has had a record, an empty line or one that starts with white space changes nothing here:
   * the fast paths skip such lines without calling this.
   */
  continuation(file: FileState, line: string): void {
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
    if (this.window && !inWindow(this.window, timestamp)) return;
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
    const record = new PendingRecord(
      file.path,
      file.agent,
      timestamp,
      '',
      undefined,
      tail ?? '(traceback fragment without its tail)',
      `(traceback continued from the previous file)\n${tail ?? ''}`,
      undefined,
      0,
      0,
      true,
      undefined,
    );
    record.tail = tail;
    this.errors.add(
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

  /** Classifies the record that waited for its traceback, if any. */
  finishPending(): void {
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
    const cluster = this.miner.add(redactText(record.message));
    this.errors.add(
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
    this.errors.add(record, rule.category, keyParts, {
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
    this.errors.add(record, category, keyParts, { httpStatus: status, host: hostname });
  }

  /** The measurement so far (call after the last `endFile`). */
  result(windowIso?: { start?: string; end?: string }): AggregateResult {
    this.endFile();
    const errorTypes = this.errors.errorTypes();
    const items: ItemOutcome[] = [...this.items.entries()].map(([item, ok]) => ({ item, ok }));
    const problems: Array<{ file?: string; kind: string; message: string }> = this.problems.map(
      (problem) => ({
        ...problem,
      }),
    );
    if (this.errors.droppedCount > 0) {
      problems.push({
        kind: 'error-types-capped',
        message: `more than ${MAX_ERROR_TYPES} error types: ${this.errors.droppedCount} record(s) were not given a type`,
      });
    }
    if (this.itemsDropped > 0) {
      problems.push({
        kind: 'items-capped',
        message: `more than ${MAX_ITEMS} items: ${this.itemsDropped} operation(s) were not listed in items`,
      });
    }
    return {
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
  }
}
