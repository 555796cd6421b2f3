import { lstat, mkdir, readdir, readFile, rm, rmdir, stat as statPath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '@ratchet/core';
import { TEMP_MARKER, writeFileAtomic } from '../fs/atomic-write.js';
import { sha256File, sha256Tree } from '../fs/hash.js';
import { moveTree } from '../fs/move.js';
import type { Manifest, ManifestTarget } from './manifest.js';

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Why a target differs from its manifest entry, or undefined when it matches exactly. */
export async function describeMismatch(target: ManifestTarget): Promise<string | undefined> {
  const present = await exists(target.path);
  if (target.kind === 'absent') return present ? 'exists but did not before' : undefined;
  if (!present) return 'is missing';
  const stat = await lstat(target.path);
  if (target.kind === 'dir') {
    if (!stat.isDirectory()) return 'is not a folder any more';
    return (await sha256Tree(target.path)) === target.sha256 ? undefined : 'folder content differs';
  }
  if (!stat.isFile()) return 'is not a file any more';
  if ((stat.mode & 0o7777) !== target.mode)
    return `mode is ${(stat.mode & 0o7777).toString(8)}, was ${target.mode?.toString(8)}`;
  return (await sha256File(target.path)) === target.sha256 ? undefined : 'content differs';
}

async function removeStrayTempFiles(folders: Iterable<string>): Promise<void> {
  for (const folder of folders) {
    let names: string[] = [];
    try {
      names = await readdir(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.includes(TEMP_MARKER)) await rm(join(folder, name), { force: true, recursive: true });
    }
  }
}

/**
 * Puts every target back as the manifest recorded it, then checks each one against the manifest.
 * Idempotent: a target that already matches is left alone, so it can run again after a crash.
 * Returns the paths it changed; throws listing every target that still differs.
 */
export async function restoreTargets(folder: string, manifest: Manifest, log: Logger): Promise<string[]> {
  const restored: string[] = [];
  const { targets } = manifest;

  for (const target of targets.filter((candidate) => candidate.kind === 'absent')) {
    if (await exists(target.path)) {
      await rm(target.path, { recursive: true, force: true });
      restored.push(target.path);
    }
    for (const dir of [...(target.createdDirs ?? [])].reverse()) {
      await rmdir(dir).catch(() => undefined);
    }
  }

  for (const target of targets.filter((candidate) => candidate.kind === 'dir')) {
    const saved = join(folder, target.backup ?? '');
    if (await exists(saved)) {
      await rm(target.path, { recursive: true, force: true });
      await mkdir(dirname(target.path), { recursive: true });
      await moveTree(saved, target.path);
      restored.push(target.path);
    } else {
      // The move never completed: the original is still in place; drop a half-made copy.
      await rm(`${saved}.partial`, { recursive: true, force: true });
    }
  }

  for (const target of targets.filter((candidate) => candidate.kind === 'file')) {
    if ((await describeMismatch(target)) === undefined) continue;
    const bytes = await readFile(join(folder, target.backup ?? ''));
    const current = await statPath(target.path).catch(() => undefined);
    if (current?.isDirectory()) await rm(target.path, { recursive: true, force: true });
    await mkdir(dirname(target.path), { recursive: true });
    await writeFileAtomic(target.path, bytes, {
      mode: target.mode ?? 0o644,
      ...(target.uid !== undefined && target.gid !== undefined ? { uid: target.uid, gid: target.gid } : {}),
    });
    restored.push(target.path);
  }

  await removeStrayTempFiles(new Set(targets.map((target) => dirname(target.path))));

  const problems: string[] = [];
  for (const target of targets) {
    const mismatch = await describeMismatch(target);
    if (mismatch) problems.push(`${target.path}: ${mismatch}`);
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
