/**
 * The scan worker: reads one plug-in log (plain or gzip) with `readLines`, classifies every clean
 * line with the stateless `PlexLineClassifier`, and posts the lines in batches to the main thread,
 * where the `PlexAggregator` (which owns all state) replays them in order. Reading, splitting and
 * the search for needles thus run beside the aggregation instead of before it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PlexLineClassifier } from '../aggregating/line-classifier.js';
import { readLines } from '../reading/line-reader.js';
import {
  ENTRY_BYTES,
  ENTRY_INTS,
  ENTRY_PLAIN,
  ENTRY_RECORD,
  ENTRY_STRING,
  type ScanJob,
  type WorkerMessage,
} from './protocol.js';

/** Batches posted and not yet acknowledged before reading waits. */
const MAX_IN_FLIGHT = 4;

const port = parentPort;
if (!port) throw new Error('scan-worker.js runs as a worker thread');
const job = workerData as ScanJob;
const classifier = new PlexLineClassifier(job.rules);

// The batch being built: entries point into source buffers (read chunks, or a line joined across
// two chunks).
let entries = new Int32Array(ENTRY_INTS * 4096);
let entryCount = 0;
let strings: string[] = [];
let sources: Buffer[] = [];
let lastSource: Buffer | undefined;
let lastSourceIndex = -1;

let inFlight = 0;
let resumeReading: (() => void) | undefined;
port.on('message', () => {
  inFlight -= 1;
  const resume = resumeReading;
  resumeReading = undefined;
  resume?.();
});

function nextEntry(): number {
  if ((entryCount + 1) * ENTRY_INTS > entries.length) {
    const grown = new Int32Array(entries.length * 2);
    grown.set(entries);
    entries = grown;
  }
  const at = entryCount * ENTRY_INTS;
  entryCount += 1;
  return at;
}

function onLineBytes(bytes: Buffer, start: number, end: number): boolean {
  if (bytes !== lastSource) {
    lastSource = bytes;
    lastSourceIndex = sources.length;
    sources.push(bytes);
  }
  const at = nextEntry();
  const e = entries;
  e[at + 1] = lastSourceIndex;
  e[at + 2] = start;
  e[at + 3] = end;
  if (!classifier.fastPathAllowed || !classifier.parse(bytes, start, end)) {
    e[at] = ENTRY_BYTES;
    return true;
  }
  e[at] =
    !classifier.isError && !classifier.needsFullPath(bytes, classifier.messageStart, end)
      ? ENTRY_PLAIN
      : ENTRY_RECORD;
  e[at + 4] = classifier.threadEnd;
  e[at + 5] = classifier.levelStart;
  e[at + 6] = classifier.levelEnd;
  e[at + 7] = classifier.messageStart;
  return true;
}

function onLine(line: string): void {
  const at = nextEntry();
  entries[at] = ENTRY_STRING;
  entries[at + 2] = strings.length;
  strings.push(line);
}

/** Posts the batch, with a copy of each source (the reader reuses its buffer for the next chunk). */
function flush(): void {
  if (entryCount === 0) return;
  const buffers = sources.map((source) => Uint8Array.prototype.slice.call(source).buffer) as ArrayBuffer[];
  const batch = entries.slice(0, entryCount * ENTRY_INTS);
  const message: WorkerMessage = { type: 'lines', buffers, entries: batch, strings };
  port?.postMessage(message, [...new Set(buffers), batch.buffer]);
  inFlight += 1;
  entryCount = 0;
  strings = [];
  sources = [];
  lastSource = undefined;
  lastSourceIndex = -1;
}

async function afterChunk(): Promise<void> {
  flush();
  if (inFlight >= MAX_IN_FLIGHT)
    await new Promise<void>((resolve) => {
      resumeReading = resolve;
    });
}

const { stats, problems } = await readLines(job.file, onLine, {
  maxLineChars: job.maxLineChars,
  onLineBytes,
  afterChunk,
});
flush();
const done: WorkerMessage = { type: 'done', stats, problems };
// The main thread ends this worker when it has taken the last batch.
port.postMessage(done);
