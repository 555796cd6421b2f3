import { lchown, lstat, mkdir, open, readdir, readlink, rename, symlink } from 'node:fs/promises';
import { RatchetError } from '@ratchet/core';
import {
  CREATE_NEW,
  identityOf,
  type OpenDir,
  openChildDir,
  READ_NOFOLLOW,
  removeChild,
  withParent,
} from './confined.js';

const CHUNK = 1024 * 1024;

/**
 * Copies one entry (a file, a link or a folder tree) from one open folder into another, never
 * following a link, with owner, mode (special bits included: chown first, since chown clears
 * them) and times. A hard-linked file is refused: a copy would split it from its other names.
 */
export async function copyEntry(from: OpenDir, name: string, to: OpenDir, toName: string): Promise<void> {
  const stat = await lstat(from.child(name), { bigint: true });
  const uid = Number(stat.uid);
  const gid = Number(stat.gid);
  const mode = Number(stat.mode & 0o7777n);
  if (stat.isSymbolicLink()) {
    await symlink(await readlink(from.child(name)), to.child(toName));
    await lchown(to.child(toName), uid, gid).catch(ignoreUnlessRoot);
    return;
  }
  if (stat.isDirectory()) {
    await mkdir(to.child(toName), { mode: 0o700 });
    const source = await openChildDir(from, name, identityOf(stat));
    const copy = await openChildDir(to, toName);
    try {
      for (const entry of await readdir(source.self)) await copyEntry(source, entry, copy, entry);
      await copy.handle.chown(uid, gid).catch(ignoreUnlessRoot);
      await copy.handle.chmod(mode);
      await copy.handle.utimes(stat.atime, stat.mtime);
      await copy.sync();
    } finally {
      await source.close();
      await copy.close();
    }
    return;
  }
  if (!stat.isFile()) throw new Error(`'${from.path}/${name}' is neither a file, a folder nor a link`);
  if (stat.nlink > 1n) throw hardLinkRefused(`${from.path}/${name}`, Number(stat.nlink));
  const source = await open(from.child(name), READ_NOFOLLOW);
  const copy = await open(to.child(toName), CREATE_NEW, 0o600);
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await source.read(buffer, 0, CHUNK);
      if (bytesRead === 0) break;
      await copy.write(buffer, 0, bytesRead);
    }
    await copy.chown(uid, gid).catch(ignoreUnlessRoot);
    await copy.chmod(mode);
    await copy.utimes(stat.atime, stat.mtime);
    await copy.sync();
  } finally {
    await source.close();
    await copy.close();
  }
}

export function hardLinkRefused(path: string, links: number): RatchetError {
  return new RatchetError(
    'ACTION_REFUSED',
    `'${path}' has ${links} hard links; Ratchet does not manage hard-linked files (a backup and a restore would split them)`,
    {
      hint: 'Replace the hard link by a copy (or a symbolic link) before letting a fix change it.',
      details: { path, links },
    },
  );
}

export function ignoreUnlessRoot(error: unknown): void {
  if (process.geteuid?.() === 0) throw error;
}

/**
 * Moves a child of one open folder to another: a rename on one device; across devices a copy to
 * `<name>.partial`, a rename to `<name>`, then removal of the source. `<name>` exists only once it
 * is complete, and the source goes only after that, which is what recovery relies on.
 */
export async function moveChild(from: OpenDir, name: string, to: OpenDir, toName: string): Promise<void> {
  try {
    await rename(from.child(name), to.child(toName));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const partial = `${toName}.partial`;
    await removeChild(to, partial);
    await copyEntry(from, name, to, partial);
    await rename(to.child(partial), to.child(toName));
    await to.sync();
    await removeChild(from, name);
  }
  await from.sync();
  await to.sync();
}

/** {@link moveChild} between two paths, each opened without following links. */
export async function moveTree(from: string, to: string): Promise<void> {
  await withParent(from, undefined, (fromDir, name) =>
    withParent(to, undefined, (toDir, toName) => moveChild(fromDir, name, toDir, toName)),
  );
}

/** The copy-based move, whichever devices the two paths are on (tests use it on one device). */
export async function moveAcrossDevices(from: string, to: string): Promise<void> {
  await withParent(from, undefined, (fromDir, name) =>
    withParent(to, undefined, async (toDir, toName) => {
      const partial = `${toName}.partial`;
      await removeChild(toDir, partial);
      await copyEntry(fromDir, name, toDir, partial);
      await rename(toDir.child(partial), toDir.child(toName));
      await removeChild(fromDir, name);
    }),
  );
}
