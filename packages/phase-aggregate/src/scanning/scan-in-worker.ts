import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ReadProblem, ReadStats } from '../reading/line-reader.js';
import {
  ENTRY_INTS,
  ENTRY_PLAIN,
  ENTRY_RECORD,
  ENTRY_STRING,
  type LinesMessage,
  type ScanJob,
  type WorkerMessage,
} from './protocol.js';

/** Where the lines of a scanned file go, in file order (the `PlexAggregator` methods of those names). */
export interface ScanSink {
  /** A line the classifier found plain; false to have it decoded and given to `line`. */
  plainRecordBytes(bytes: Buffer, start: number, end: number): boolean;
  /** A record the classifier parsed and found not plain; false to have it decoded and given to `line`. */
  parsedRecordBytes(
    bytes: Buffer,
    start: number,
    end: number,
    threadEnd: number,
    levelStart: number,
    levelEnd: number,
    messageStart: number,
  ): boolean;
  /** Any other line of a clean region; false to have it decoded and given to `line`. */
  lineBytes(bytes: Buffer, start: number, end: number): boolean;
  line(line: string): void;
}

export interface ScanResult {
  stats: ReadStats;
  problems: ReadProblem[];
}

/**
 * The compiled worker script. From the built package it sits beside this module; when the sources
 * run directly (the tests), the package's build is used. Undefined when there is none.
 */
export function scanWorkerScript(): URL | undefined {
  const beside = new URL('./scan-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/scanning/scan-worker.js', import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : undefined;
}

/**
 * Reads `file` in a worker thread and feeds its lines to `sink` in this thread: the same lines,
 * in the same order, as `readLines` with `onLineBytes` would give, so results do not depend on
 * where the file was read. Resolves to undefined, having delivered nothing, when the worker cannot
 * start, so that the caller can read the file itself.
 */
export function scanInWorker(
  script: URL,
  job: ScanJob,
  sink: ScanSink,
  signal?: AbortSignal,
): Promise<ScanResult | undefined> {
  return new Promise((resolve) => {
    let delivered = false;
    let settled = false;
    const worker = new Worker(script, { workerData: job });
    const finish = (result: ScanResult | undefined): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      resolve(result);
    };
    const failed = (message: string): void => {
      if (!delivered) {
        finish(undefined);
        return;
      }
      finish({
        stats: emptyStats(),
        problems: [
          { file: job.file, kind: 'read-error', message: `error while reading ${job.file}: ${message}` },
        ],
      });
    };
    const onAbort = (): void => finish({ stats: emptyStats(), problems: [] });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();

    worker.on('message', (message: WorkerMessage) => {
      if (settled) return;
      if (message.type === 'done') {
        finish({ stats: message.stats, problems: message.problems });
        return;
      }
      delivered = true;
      deliverBatch(message, sink);
      worker.postMessage(0);
    });
    worker.on('error', (error) => failed(error.message));
    worker.on('exit', (code) => failed(`the scan worker stopped (exit code ${code})`));
  });
}

function deliverBatch(message: LinesMessage, sink: ScanSink): void {
  const buffers = message.buffers.map((buffer) => Buffer.from(buffer));
  const { entries, strings } = message;
  const length = entries.length;
  for (let at = 0; at < length; at += ENTRY_INTS) {
    const kind = entries[at] as number;
    if (kind === ENTRY_STRING) {
      sink.line(strings[entries[at + 2] as number] as string);
      continue;
    }
    const bytes = buffers[entries[at + 1] as number] as Buffer;
    const start = entries[at + 2] as number;
    const end = entries[at + 3] as number;
    let taken: boolean;
    if (kind === ENTRY_PLAIN) taken = sink.plainRecordBytes(bytes, start, end);
    else if (kind === ENTRY_RECORD)
      taken = sink.parsedRecordBytes(
        bytes,
        start,
        end,
        entries[at + 4] as number,
        entries[at + 5] as number,
        entries[at + 6] as number,
        entries[at + 7] as number,
      );
    else taken = sink.lineBytes(bytes, start, end);
    if (!taken) sink.line(bytes.toString('utf8', start, end));
  }
}

function emptyStats(): ReadStats {
  return { bytes: 0, lines: 0, truncatedLines: 0, linesWithNul: 0, invalidUtf8: 0, gzip: false };
}
