import type { LogRule } from '@ratchet/plex';
import type { ReadProblem, ReadStats } from '../reading/line-reader.js';

/*
 * Messages between the main thread and the scan worker. The worker reads and splits one file and
 * sends it on in batches, one per read chunk; each batch is acknowledged so that at most a few are
 * in flight (memory stays bounded whatever the file size).
 */

/** What the worker is started with (its `workerData`). */
export interface ScanJob {
  file: string;
  maxLineChars?: number | undefined;
  /** User rules: the classifier must know every prefix and needle the aggregator looks for. */
  rules: LogRule[];
}

/*
 * Each line is one entry of ENTRY_INTS int32s: `kind, buffer, start, end`, and for records the
 * header fields the classifier found (`threadEnd, levelStart, levelEnd, messageStart`), so that the
 * main thread does not parse the header again.
 */
export const ENTRY_INTS = 8;
/** A plain record (`PlexLineClassifier.isPlainRecord`): `buffers[buffer][start, end)`. */
export const ENTRY_PLAIN = 0;
/** A framework record that is not plain, header fields set. */
export const ENTRY_RECORD = 1;
/** Any other line of a clean region (a continuation, another format). */
export const ENTRY_BYTES = 2;
/** A line from the string path: `strings[start]`. */
export const ENTRY_STRING = 3;

/** One batch of lines, in file order. */
export interface LinesMessage {
  type: 'lines';
  /** The bytes the entries point into (transferred, not copied). */
  buffers: ArrayBuffer[];
  entries: Int32Array;
  strings: string[];
}

export interface DoneMessage {
  type: 'done';
  stats: ReadStats;
  problems: ReadProblem[];
}

export type WorkerMessage = LinesMessage | DoneMessage;
