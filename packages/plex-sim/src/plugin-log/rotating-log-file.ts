import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export const PLEX_LOG_MAX_BYTES = 1_048_576;
export const PLEX_LOG_BACKUP_COUNT = 5;

/**
 * Python's `RotatingFileHandler(maxBytes=1048576, backupCount=5)` as the Plug-in Framework uses it:
 * before a write that would reach `maxBytes`, `X.log` becomes `X.log.1`, `.1` becomes `.2` ... and
 * `.5` is dropped. Writes are synchronous so records from concurrent operations never interleave
 * and a reader always sees whole lines; nothing is buffered in memory.
 */
export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes = PLEX_LOG_MAX_BYTES,
    private readonly backupCount = PLEX_LOG_BACKUP_COUNT,
  ) {}

  /** The framework's forced `doRollover()` at plug-in start: the previous run goes to `.log.1`. */
  rolloverIfNotEmpty(): void {
    this.close();
    if (existsSync(this.path) && statSync(this.path).size > 0) this.rollover();
  }

  write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.open();
    if (this.size > 0 && this.size + bytes.length >= this.maxBytes) {
      this.rollover();
      this.open();
    }
    writeSync(this.fd!, bytes);
    this.size += bytes.length;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    if (this.fd !== undefined) return;
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, 'a');
    this.size = statSync(this.path).size;
  }

  private rollover(): void {
    this.close();
    rmSync(`${this.path}.${this.backupCount}`, { force: true });
    for (let index = this.backupCount - 1; index >= 1; index -= 1) {
      const from = `${this.path}.${index}`;
      if (existsSync(from)) renameSync(from, `${this.path}.${index + 1}`);
    }
    if (existsSync(this.path)) renameSync(this.path, `${this.path}.1`);
    this.size = 0;
  }
}
