import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CREATE_NEW, type OpenDir } from './confined.js';
import { ignoreUnlessRoot } from './move.js';

/** Temp files are named so that recover() can find and remove the ones a crash left behind. */
export const TEMP_MARKER = '.ratchet-tmp-';

export function tempNameFor(name: string): string {
  return `.${name}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function tempPathFor(path: string): string {
  return join(dirname(path), tempNameFor(basename(path)));
}

export interface WriteOptions {
  /** Permission bits (e.g. 0o644, 0o4755), applied exactly (not filtered by the umask). */
  mode?: number;
  /** Owner to give the file (only a privileged process can give it away). */
  uid?: number;
  gid?: number;
}

/** Opens the folder and fsyncs it, so that a rename inside it survives a crash. */
export async function fsyncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open a folder for fsync; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `name` inside an open folder whole or not at all: a new temp file (O_EXCL, never through a
 * link) is written, given its owner and then its mode (chown clears setuid and setgid, so it comes
 * first), fsynced, and renamed over the name. A reader (or a crash) never sees half a file.
 */
export async function writeChildAtomic(
  dir: OpenDir,
  name: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  const temp = tempNameFor(name);
  const handle = await open(dir.child(temp), CREATE_NEW, 0o600);
  try {
    await handle.writeFile(data);
    if (options.uid !== undefined && options.gid !== undefined) {
      await handle.chown(options.uid, options.gid).catch(ignoreUnlessRoot);
    }
    await handle.chmod(options.mode ?? 0o644);
    await handle.sync();
    await handle.close();
    await rename(dir.child(temp), dir.child(name));
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(dir.child(temp), { force: true });
    throw error;
  }
  await dir.sync();
}

/**
 * The same for Ratchet's own files (manifest, reports) in the output folder, which the roots
 * never overlap: a temp file beside the target, fsynced and renamed over it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}) {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.chmod(options.mode ?? 0o644);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(path));
}
