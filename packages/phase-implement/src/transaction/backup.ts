import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { fsyncDirectory } from '../fs/atomic-write.js';
import {
  CREATE_NEW,
  type Identity,
  identityOf,
  lstatChild,
  openChildDir,
  openParent,
  READ_NOFOLLOW,
  sameIdentity,
} from '../fs/confined.js';
import { sha256File, sha256Tree } from '../fs/hash.js';
import { hardLinkRefused } from '../fs/move.js';
import type { ManifestTarget } from './manifest.js';

export interface TargetRequest {
  path: string;
  /** `delete` targets that are folders are moved into the backup when the action runs. */
  deleting: boolean;
  /** The folders leading to the path as they were when the fix was planned (see fs/confined.ts). */
  parents: Identity[];
  /** The target's own identity at planning, when it existed. */
  identity?: Identity;
}

/** Setuid, setgid and sticky: a backup copy never carries them (a setuid copy owned by root is a root shell). */
export const SPECIAL_BITS = 0o7000;

/** Copies the open file into the backup as root-only (0600), without its special bits or owner. */
async function copyIntoBackup(source: Awaited<ReturnType<typeof open>>, destination: string): Promise<void> {
  const copy = await open(destination, CREATE_NEW, 0o600);
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await source.read(buffer, 0, buffer.length);
      if (bytesRead === 0) break;
      await copy.write(buffer, 0, bytesRead);
    }
    await copy.chmod(0o600);
    await copy.sync();
  } finally {
    await copy.close();
  }
}

/**
 * Records the state of every target before anything changes, walking to each one without following
 * links and checking every folder against the plan (a folder swapped during the approval prompt is
 * refused here, before anything changed): files are copied into `files/N` (root-only, special bits
 * kept in the manifest, not on the copy); folders get a tree hash (they are moved to `trees/N` when
 * deleted); missing paths are recorded as absent, with the folders a write would create.
 */
export async function backupTargets(
  folder: string,
  requests: readonly TargetRequest[],
): Promise<ManifestTarget[]> {
  // Only root (the owner) may enter the backups: a moved folder keeps its files' modes inside.
  await mkdir(join(folder, 'files'), { recursive: true, mode: 0o700 });
  await mkdir(join(folder, 'trees'), { recursive: true, mode: 0o700 });
  const targets: ManifestTarget[] = [];
  for (const [index, request] of requests.entries()) {
    const parents = request.parents;
    let opened: Awaited<ReturnType<typeof openParent>>;
    try {
      opened = await openParent(request.path, parents);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const missing = request.path.split('/').slice(parents.length, -1);
      const createdDirs = missing.map((_, at) =>
        request.path
          .split('/')
          .slice(0, parents.length + at + 1)
          .join('/'),
      );
      targets.push({ path: request.path, kind: 'absent', sha256: null, mode: null, createdDirs, parents });
      continue;
    }
    const { dir } = opened;
    const name = request.path.slice(request.path.lastIndexOf('/') + 1);
    try {
      const stat = await lstatChild(dir, name);
      if (!stat) {
        if (request.identity) throw changed(request.path, 'it is gone');
        targets.push({
          path: request.path,
          kind: 'absent',
          sha256: null,
          mode: null,
          createdDirs: [],
          parents,
        });
        continue;
      }
      const identity = identityOf(stat);
      if (request.identity && !sameIdentity(identity, request.identity))
        throw changed(request.path, 'another file or folder is in its place');
      const owner = { uid: Number(stat.uid), gid: Number(stat.gid) };
      const mode = Number(stat.mode & 0o7777n);
      if (stat.isDirectory()) {
        const tree = await openChildDir(dir, name, identity);
        try {
          targets.push({
            path: request.path,
            kind: 'dir',
            sha256: await sha256Tree(tree.self),
            mode,
            ...owner,
            backup: `trees/${index}`,
            parents,
            identity,
          });
        } finally {
          await tree.close();
        }
        continue;
      }
      if (!stat.isFile()) throw new Error(`'${request.path}' is neither a file nor a folder`);
      if (stat.nlink > 1n) throw hardLinkRefused(request.path, Number(stat.nlink));
      const backup = `files/${index}`;
      const source = await open(dir.child(name), READ_NOFOLLOW);
      try {
        if (!sameIdentity(identityOf(await source.stat({ bigint: true })), identity))
          throw changed(request.path, 'it was replaced while being backed up');
        await copyIntoBackup(source, join(folder, backup));
      } finally {
        await source.close();
      }
      targets.push({
        path: request.path,
        kind: 'file',
        sha256: await sha256File(join(folder, backup)),
        mode,
        ...owner,
        backup,
        parents,
        identity,
      });
    } finally {
      await dir.close();
    }
  }
  await fsyncDirectory(join(folder, 'files'));
  return targets;
}

function changed(path: string, why: string): RatchetError {
  return new RatchetError('ACTION_REFUSED', `'${path}' changed since the fix was planned: ${why}`, {
    hint: 'Another process changed the target after it was planned (and approved); nothing was changed.',
    details: { path },
  });
}
