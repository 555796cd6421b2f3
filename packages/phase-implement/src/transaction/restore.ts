import { chmod, lstat, open, readdir, readFile, rmdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describeError, type Logger } from '@ratchet/core';
import { TEMP_MARKER, writeChildAtomic } from '../fs/atomic-write.js';
import {
  lstatChild,
  type OpenDir,
  openChildDir,
  openParent,
  READ_NOFOLLOW,
  removeChild,
  withParent,
} from '../fs/confined.js';
import { sha256Handle, sha256Tree } from '../fs/hash.js';
import { moveChild } from '../fs/move.js';
import type { Manifest, ManifestTarget } from './manifest.js';

const runningAsRoot = () => process.getuid?.() === 0;

/** Why a target differs from its manifest entry, or undefined when it matches exactly. */
export async function describeMismatch(target: ManifestTarget): Promise<string | undefined> {
  let opened: Awaited<ReturnType<typeof openParent>>;
  try {
    opened = await openParent(target.path, target.parents);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return target.kind === 'absent' ? undefined : 'is missing';
    return describeError(error);
  }
  const { dir } = opened;
  try {
    return await mismatchIn(dir, basename(target.path), target);
  } finally {
    await dir.close();
  }
}

async function mismatchIn(dir: OpenDir, name: string, target: ManifestTarget): Promise<string | undefined> {
  const stat = await lstatChild(dir, name);
  if (target.kind === 'absent') return stat ? 'exists but did not before' : undefined;
  if (!stat) return 'is missing';
  const mode = Number(stat.mode & 0o7777n);
  if (target.kind === 'dir') {
    if (!stat.isDirectory()) return 'is not a folder any more';
    const tree = await openChildDir(dir, name);
    try {
      return (await sha256Tree(tree.self)) === target.sha256
        ? undefined
        : 'folder content, owners or modes differ';
    } finally {
      await tree.close();
    }
  }
  if (!stat.isFile()) return 'is not a file any more';
  if (mode !== target.mode) return `mode is ${mode.toString(8)}, was ${target.mode?.toString(8)}`;
  if (runningAsRoot() && target.uid !== undefined && target.gid !== undefined) {
    if (Number(stat.uid) !== target.uid || Number(stat.gid) !== target.gid)
      return `owner is ${stat.uid}:${stat.gid}, was ${target.uid}:${target.gid}`;
  }
  const handle = await open(dir.child(name), READ_NOFOLLOW);
  try {
    return (await sha256Handle(handle)) === target.sha256 ? undefined : 'content differs';
  } finally {
    await handle.close();
  }
}

/** The entries of a folder moved into the backup that carry setuid, setgid or sticky bits. */
export async function findSpecialModes(tree: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  const visit = async (path: string, rel: string) => {
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) return;
    if (stat.mode & 0o7000) found[rel] = stat.mode & 0o7777;
    if (stat.isDirectory())
      for (const name of await readdir(path))
        await visit(join(path, name), rel === '.' ? name : `${rel}/${name}`);
  };
  await visit(tree, '.');
  return found;
}

/** Clears those bits in the backup (their modes are in the manifest first). */
export async function clearSpecialModes(tree: string, modes: Record<string, number>): Promise<void> {
  for (const [rel, mode] of Object.entries(modes)) await chmod(join(tree, rel), mode & 0o777);
}

async function restoreSpecialBits(tree: string, modes: Record<string, number> | undefined): Promise<void> {
  for (const [rel, mode] of Object.entries(modes ?? {})) await chmod(join(tree, rel), mode);
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function restoreAbsent(target: ManifestTarget): Promise<boolean> {
  let removed = false;
  try {
    await withParent(target.path, target.parents, async (dir, name) => {
      if (await lstatChild(dir, name)) {
        await removeChild(dir, name);
        removed = true;
      }
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const created of [...(target.createdDirs ?? [])].reverse()) {
    await withParent(created, target.parents, (dir, name) => rmdir(dir.child(name))).catch(() => undefined);
  }
  return removed;
}

async function restoreDir(folder: string, target: ManifestTarget): Promise<boolean> {
  const saved = join(folder, target.backup ?? '');
  if (!(await exists(saved))) {
    // The move never completed: the original is still in place; drop a half-made copy.
    await withParent(`${saved}.partial`, undefined, (dir, name) => removeChild(dir, name));
    return false;
  }
  await restoreSpecialBits(saved, target.specialModes);
  await withParent(
    target.path,
    target.parents,
    async (dir, name) => {
      await removeChild(dir, name);
      await removeChild(dir, `${name}.partial`);
      await withParent(saved, undefined, (backups, savedName) => moveChild(backups, savedName, dir, name));
    },
    { create: true },
  );
  return true;
}

async function restoreFile(folder: string, target: ManifestTarget): Promise<boolean> {
  if ((await describeMismatch(target)) === undefined) return false;
  const bytes = await readFile(join(folder, target.backup ?? ''));
  await withParent(
    target.path,
    target.parents,
    async (dir, name) => {
      if ((await lstatChild(dir, name))?.isDirectory()) await removeChild(dir, name);
      await writeChildAtomic(dir, name, bytes, {
        mode: target.mode ?? 0o644,
        ...(target.uid !== undefined && target.gid !== undefined ? { uid: target.uid, gid: target.gid } : {}),
      });
    },
    { create: true },
  );
  return true;
}

async function removeStrayTempFiles(target: ManifestTarget): Promise<void> {
  await withParent(target.path, target.parents, async (dir) => {
    for (const name of await readdir(dir.self)) {
      if (name.includes(TEMP_MARKER)) await removeChild(dir, name);
    }
  }).catch(() => undefined);
}

/**
 * Puts every target back as the manifest recorded it (owner before mode, special bits included),
 * walking to each one without following links and refusing a folder on the way that changed since
 * planning; then checks each one against the manifest. Idempotent: a target that already matches
 * is left alone, so it can run again after a crash. A target that cannot be restored does not stop
 * the others; the error lists every target that still differs, and why.
 */
export async function restoreTargets(folder: string, manifest: Manifest, log: Logger): Promise<string[]> {
  const restored: string[] = [];
  const failures = new Map<string, string>();
  const order = ['absent', 'dir', 'file'] as const;
  for (const kind of order) {
    for (const target of manifest.targets.filter((candidate) => candidate.kind === kind)) {
      try {
        const changed =
          kind === 'absent'
            ? await restoreAbsent(target)
            : kind === 'dir'
              ? await restoreDir(folder, target)
              : await restoreFile(folder, target);
        if (changed) restored.push(target.path);
      } catch (error) {
        failures.set(target.path, describeError(error));
      }
    }
  }
  for (const target of manifest.targets) await removeStrayTempFiles(target);

  const problems: string[] = [];
  for (const target of manifest.targets) {
    const failure = failures.get(target.path);
    const mismatch = await describeMismatch(target);
    if (mismatch) problems.push(`${target.path}: ${failure ?? mismatch}`);
  }
  if (problems.length) {
    throw new Error(`restored files do not match the backup manifest: ${problems.join('; ')}`);
  }
  if (restored.length)
    log.info(`implement: restored ${restored.length} target(s) of ${manifest.fixId}`, {
      restored: restored.map((p) => basename(p)),
    });
  return restored;
}
