import { LOADING_MODEL_PREFIX, searchItemIdOfBytes } from '@ratchet/plex';
import type { FileState, PlexRecordState } from '../record-state/record-state.js';
import {
  isErrorLevelBytes,
  levelName,
  OPERATION_NONE,
  OPERATION_SEARCH,
  OPERATION_UPDATE,
  type PlexLineClassifier,
} from './line-classifier.js';

const THREAD_CACHE_SLOTS = 64;

/**
 * The byte input path: the classifier parses the header on the bytes; a plain record is counted
 * without any string, a record that only starts an operation decodes only its item, and any other
 * record decodes its message and goes to the record state as a whole line would.
 */
export class PlexBytePath {
  private readonly threadCache: Array<string | undefined> = new Array(THREAD_CACHE_SLOTS).fill(undefined);

  constructor(
    private readonly state: PlexRecordState,
    private readonly classifier: PlexLineClassifier,
  ) {}

  /**
   * The byte-level path for a line of a clean region (see `readLines`' `onLineBytes`): parses the
   * file handler format on the bytes; a record below ERROR that no metric, rule or operation needs
   * is counted without making any string, any other record of that format is decoded and handled
   * as `line()` would. Returns false for every other line, which then goes to `line()`.
   */
  lineBytes(bytes: Buffer, start: number, end: number): boolean {
    const state = this.state;
    const file = state.file;
    if (!file?.sawRecord) return false;
    // A traceback's frame and source lines: no record starts with white space, and after the
    // first record such a line changes nothing (see `PlexRecordState.continuation`).
    if (start === end || bytes[start] === 32 || bytes[start] === 9) return true;
    if (!this.classifier.fastPathAllowed) return false;
    const classifier = this.classifier;
    if (!classifier.parse(bytes, start, end)) return false;
    const messageStart = classifier.messageStart;
    // The record before this one is classified first: that may leave a URL error waiting for its
    // status, which this record may carry, so only then is it known whether this one is plain.
    state.finishPending();
    if (
      !classifier.isError &&
      state.pendingUrlErrors.size === 0 &&
      !classifier.needsFullPath(bytes, messageStart, end)
    ) {
      state.countPlainRecordBytes(file, bytes, start);
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
      this.state.pendingUrlErrors.size === 0 &&
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
    this.state.handleRecord(
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
    const state = this.state;
    state.countPlainRecordBytes(file, bytes, start);
    if (file.skipping) return;
    const threadKey = this.threadName(bytes, start + 25, threadEnd);
    if (kind === OPERATION_SEARCH) {
      state.countSearch();
      state.startOperation(threadKey, searchItemIdOfBytes(bytes, messageStart, end), true);
    } else if (kind === OPERATION_UPDATE) {
      state.count('updateOps');
      state.startOperation(threadKey, undefined);
    } else {
      const operation = state.operations.get(threadKey);
      if (operation !== undefined && operation.item === undefined)
        state.setItem(
          operation,
          bytes.toString('utf8', messageStart + LOADING_MODEL_PREFIX.length, end).trim(),
          true,
        );
    }
  }
}
