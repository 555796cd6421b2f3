import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { redactText } from '../security/redact.js';

export interface AtomicWriteOptions {
  /**
   * Writes the text as given. Only for files that are not Ratchet's own output (a simulated
   * server's data): everything else Ratchet writes is redacted of secrets first.
   */
  verbatim?: boolean;
  /**
   * Fsync the file and its folder (default), so the new bytes survive a power loss too. Without,
   * a reader still sees the old bytes or the new ones, never a mix: for many small files whose
   * loss a crash may cost (the simulator's metadata).
   */
  durable?: boolean;
}

/**
 * Writes a file so that a reader (or a crash) sees either the old bytes or the new ones, never a
 * mix: write a temp file beside it, fsync it, rename it over the target, fsync the folder.
 * Text is redacted of every known secret on its way out (see security/redact.ts).
 */
export function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const durable = options.durable ?? true;
  const data = typeof content === 'string' && !options.verbatim ? redactText(content) : content;
  // A device or a pipe (/dev/stdout, /dev/full, a FIFO) is written in place: renaming a temp file
  // over it would replace the device with a regular file, and as root even succeed.
  if (isSpecialFile(path)) {
    writeFileSync(path, data);
    return;
  }
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true });
  const temp = join(folder, `.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'w', 0o644);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (durable) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  if (durable) fsyncFolder(folder);
}

function isSpecialFile(path: string): boolean {
  try {
    const stat = statSync(path);
    return !stat.isFile() && !stat.isDirectory();
  } catch {
    return false;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

function fsyncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open a folder for fsync; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
