import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { redactText } from '../security/redact.js';

export interface JournalEntry {
  seq: number;
  at: string;
  type: string;
  iteration?: number;
  step?: string;
  fixId?: string;
  data?: Record<string, unknown>;
}

export interface JournalReadResult {
  entries: JournalEntry[];
  /** A last line cut short by a crash: ignored, and reported here. */
  tornTail: string | null;
  /** Lines before the last that fail their checksum: the journal was edited or damaged. */
  corruptLines: number[];
}

function checksum(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/**
 * Append-only audit log of transitions, one line each: `<checksum> <json>`. Every line is written
 * and fsynced before the transition it announces takes effect, so after a crash it tells how far
 * the run got. loop_state.json, not the journal, is what resume goes on from
 * (docs/design/integration.md); every line's checksum is verified when the journal is opened.
 */
export class Journal {
  private seq: number;
  /** A torn last line found (and cut off) when the journal was opened, for the caller to report. */
  readonly tornTail: string | null;
  /** Lines (1-based) that failed their checksum when the journal was opened. */
  readonly corruptLines: number[];

  constructor(private readonly path: string) {
    const { entries, tornTail, corruptLines } = Journal.read(path);
    this.seq = Math.max(0, ...entries.map((entry) => entry.seq));
    this.tornTail = tornTail;
    this.corruptLines = corruptLines;
    // Cut the torn line off, so the next entry starts on a line of its own.
    if (tornTail !== null) truncateSync(path, statSync(path).size - Buffer.byteLength(tornTail));
  }

  append(entry: Omit<JournalEntry, 'seq' | 'at'>): JournalEntry {
    this.seq += 1;
    const full: JournalEntry = { seq: this.seq, at: new Date().toISOString(), ...entry };
    const body = redactText(JSON.stringify(full));
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, `${checksum(body)} ${body}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // Fault injection for the crash-resume suites: die the hardest way right after this entry.
    if (process.env.RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ === String(full.seq))
      process.kill(process.pid, 'SIGKILL');
    return full;
  }

  static read(path: string): JournalReadResult {
    if (!existsSync(path)) return { entries: [], tornTail: null, corruptLines: [] };
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    const endsClean = text.endsWith('\n') || text.length === 0;
    const last = lines.pop() ?? '';
    const entries: JournalEntry[] = [];
    const corruptLines: number[] = [];
    let tornTail: string | null = endsClean ? null : last;
    lines.forEach((line, index) => {
      const parsed = parseLine(line);
      if (parsed) entries.push(parsed);
      else if (index === lines.length - 1 && tornTail === null) tornTail = line;
      else corruptLines.push(index + 1);
    });
    return { entries, tornTail, corruptLines };
  }
}

function parseLine(line: string): JournalEntry | undefined {
  const space = line.indexOf(' ');
  if (space <= 0) return undefined;
  const body = line.slice(space + 1);
  if (checksum(body) !== line.slice(0, space)) return undefined;
  try {
    return JSON.parse(body) as JournalEntry;
  } catch {
    return undefined;
  }
}
