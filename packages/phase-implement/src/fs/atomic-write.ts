import { randomBytes } from 'node:crypto';
import { chmod, chown, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp files are named so that recover() can find and remove the ones a crash left behind. */
export const TEMP_MARKER = '.ratchet-tmp-';

export function tempPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

export interface WriteOptions {
  /** Permission bits (e.g. 0o644), applied exactly (not filtered by the umask). */
  mode?: number;
  /** Owner to give the file, best effort (only a privileged process can). */
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
 * Writes the whole file or nothing: a temp file beside the target is written, fsynced and renamed
 * over it, so a reader (or a crash) never sees half a file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}) {
  const temp = tempPathFor(path);
  const mode = options.mode ?? 0o644;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await chmod(temp, mode);
    if (options.uid !== undefined && options.gid !== undefined) {
      await chown(temp, options.uid, options.gid).catch(() => undefined);
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(path));
}
