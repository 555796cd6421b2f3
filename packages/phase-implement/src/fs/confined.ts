import { constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readdir, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, parse, sep } from 'node:path';
import { RatchetError } from '@ratchet/core';

/**
 * Confinement at the moment an operation runs. A path is never handed to the kernel whole: every
 * folder from `/` down is opened with O_DIRECTORY|O_NOFOLLOW (a link anywhere fails with ELOOP),
 * its device and inode are compared with the ones recorded when the fix was planned, and the last
 * name is addressed through the opened folder (`/proc/self/fd/<fd>/<name>`, openat-like on Linux).
 * Swapping a folder for a link, or for another folder, between planning and the operation makes
 * the operation fail instead of landing outside the roots.
 */

const PROC_FD = '/proc/self/fd';
/** Linux gives openat-like addressing through /proc; elsewhere the path is re-checked (see docs). */
const HAS_PROC_FD = process.platform === 'linux' && existsSync(PROC_FD);

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/**
 * Linux's O_PATH (not in fs.constants): a folder the process may cross but not list (mode --x, as
 * some data folders are for the plex user) can still be opened, to walk through it.
 */
const O_PATH = 0o10000000;

async function openDirectory(path: string): Promise<FileHandle> {
  try {
    return await open(path, DIR_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES' || !HAS_PROC_FD) throw error;
    return open(path, O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  }
}
export const READ_NOFOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;
/** Create a new file, never through an existing name or link. */
export const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface Identity {
  dev: string;
  ino: string;
}

export function identityOf(stat: { dev: bigint | number; ino: bigint | number }): Identity {
  return { dev: String(stat.dev), ino: String(stat.ino) };
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** The folders from the file system root down to (and including) `folder`, as names. */
function componentsOf(folder: string): { top: string; names: string[] } {
  const { root } = parse(folder);
  return { top: root, names: folder.slice(root.length).split(sep).filter(Boolean) };
}

export function changedSincePlanning(path: string, why: string): RatchetError {
  return new RatchetError('ACTION_REFUSED', `'${path}' changed since the fix was planned: ${why}`, {
    hint: 'Another process changed a folder on the way to a target (a link, or a folder swapped in). Nothing was written through it; check who writes to the roots.',
    details: { path },
  });
}

/** An opened folder: children are addressed through it, so the path to it cannot change under us. */
export class OpenDir {
  constructor(
    readonly handle: FileHandle,
    /** The folder's path as planned, for messages and for platforms without /proc/self/fd. */
    readonly path: string,
  ) {}

  /** A path the kernel resolves from this open folder, whatever happened to the path since. */
  child(name: string): string {
    if (name.includes('/') || name === '..' || name === '.' || name === '')
      throw new Error(`'${name}' is not a single file name`);
    return HAS_PROC_FD ? `${PROC_FD}/${this.handle.fd}/${name}` : join(this.path, name);
  }

  /** The folder itself as a path that does not depend on its name. */
  get self(): string {
    return HAS_PROC_FD ? `${PROC_FD}/${this.handle.fd}` : this.path;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  async sync(): Promise<void> {
    await this.handle.sync().catch(() => undefined);
  }
}

/** Opens a child folder without following a link; refuses one that is not what was recorded. */
export async function openChildDir(parent: OpenDir, name: string, expected?: Identity): Promise<OpenDir> {
  const path = join(parent.path, name);
  let handle: FileHandle;
  try {
    handle = await openDirectory(parent.child(name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      const link = (await lstat(parent.child(name)).catch(() => undefined))?.isSymbolicLink();
      throw changedSincePlanning(path, link ? 'it is a symbolic link now' : 'it is not a folder any more');
    }
    throw error;
  }
  const dir = new OpenDir(handle, path);
  if (expected) {
    const stat = await handle.stat({ bigint: true });
    if (!sameIdentity(identityOf(stat), expected)) {
      await dir.close();
      throw changedSincePlanning(path, 'another folder is in its place');
    }
  }
  return dir;
}

async function openTop(top: string, expected?: Identity): Promise<OpenDir> {
  const handle = await openDirectory(top);
  const dir = new OpenDir(handle, top);
  if (expected && !sameIdentity(identityOf(await handle.stat({ bigint: true })), expected)) {
    await dir.close();
    throw changedSincePlanning(top, 'another folder is in its place');
  }
  return dir;
}

/**
 * The identities of the folders leading to `path` (from `/` to its parent), as far as they exist.
 * Refuses a link on the way: planning works on real paths, so a link here is a swap.
 */
export async function recordParents(path: string): Promise<Identity[]> {
  const { top, names } = componentsOf(dirname(path));
  const identities: Identity[] = [];
  let current = top;
  identities.push(identityOf(await lstat(current, { bigint: true })));
  for (const name of names) {
    current = join(current, name);
    const stat = await lstat(current, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (!stat) break;
    if (!stat.isDirectory()) throw changedSincePlanning(current, 'it is not a folder (or is a link)');
    identities.push(identityOf(stat));
  }
  return identities;
}

export interface ParentOptions {
  /** Create missing folders (owned like their parent, mode 0755); their paths are reported. */
  create?: boolean;
}

/**
 * Opens the parent folder of `path` component by component, checking each against `expected`
 * (recorded by {@link recordParents}). Missing folders fail with ENOENT unless `create` is set.
 */
export async function openParent(
  path: string,
  expected: readonly Identity[] | undefined,
  options: ParentOptions = {},
): Promise<{ dir: OpenDir; created: string[] }> {
  const { top, names } = componentsOf(dirname(path));
  let dir = await openTop(top, expected?.[0]);
  const created: string[] = [];
  try {
    for (const [index, name] of names.entries()) {
      const want = expected?.[index + 1];
      let next: OpenDir;
      try {
        next = await openChildDir(dir, name, want);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        if (want) throw changedSincePlanning(join(dir.path, name), 'it is gone');
        if (!options.create) throw error;
        const owner = await dir.handle.stat();
        await mkdir(dir.child(name), { mode: 0o700 });
        next = await openChildDir(dir, name);
        await next.handle.chown(owner.uid, owner.gid);
        await next.handle.chmod(0o755);
        created.push(next.path);
      }
      await dir.close();
      dir = next;
    }
  } catch (error) {
    await dir.close();
    throw error;
  }
  return { dir, created };
}

/** Runs `work` with the opened parent of `path`, always closing it. */
export async function withParent<T>(
  path: string,
  expected: readonly Identity[] | undefined,
  work: (dir: OpenDir, name: string) => Promise<T>,
  options: ParentOptions = {},
): Promise<T> {
  const { dir } = await openParent(path, expected, options);
  try {
    return await work(dir, basename(path));
  } finally {
    await dir.close();
  }
}

/** lstat of a child; undefined when it does not exist. */
export async function lstatChild(dir: OpenDir, name: string) {
  try {
    return await lstat(dir.child(name), { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Removes a child (a file, a link or a whole folder) without ever following a link: every folder
 * inside is opened with O_NOFOLLOW and emptied through its own handle.
 */
export async function removeChild(dir: OpenDir, name: string): Promise<void> {
  const stat = await lstatChild(dir, name);
  if (!stat) return;
  if (!stat.isDirectory()) {
    await unlink(dir.child(name));
    return;
  }
  const inner = await openChildDir(dir, name, identityOf(stat));
  try {
    for (const entry of await readdir(inner.self)) await removeChild(inner, entry);
  } finally {
    await inner.close();
  }
  await rmdir(dir.child(name));
}

/** Runs `work` with the folder at `path` itself opened (a command's working folder). */
export async function withFolder<T>(
  path: string,
  expected: readonly Identity[] | undefined,
  work: (dir: OpenDir) => Promise<T>,
): Promise<T> {
  return withParent(path, expected, async (parent, name) => {
    const dir = await openChildDir(parent, name);
    try {
      return await work(dir);
    } finally {
      await dir.close();
    }
  });
}
