import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDirectory } from '../fs/atomic-write.js';
import { sha256File, sha256Tree } from '../fs/hash.js';
import type { ManifestTarget } from './manifest.js';

export interface TargetRequest {
  path: string;
  /** `delete` targets that are folders are moved into the backup when the action runs. */
  deleting: boolean;
}

async function statOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

async function missingAncestors(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    if (await statOrUndefined(dir)) break;
    missing.unshift(dir);
  }
  return missing;
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Records the state of every target before anything changes: files are copied (and fsynced) into
 * `files/N`; folders get a tree hash (they are moved to `trees/N` when deleted); missing paths are
 * recorded as absent, with the folders a write would create.
 */
export async function backupTargets(
  folder: string,
  requests: readonly TargetRequest[],
): Promise<ManifestTarget[]> {
  await mkdir(join(folder, 'files'), { recursive: true });
  await mkdir(join(folder, 'trees'), { recursive: true });
  const targets: ManifestTarget[] = [];
  for (const [index, request] of requests.entries()) {
    const stat = await statOrUndefined(request.path);
    if (!stat) {
      targets.push({
        path: request.path,
        kind: 'absent',
        sha256: null,
        mode: null,
        createdDirs: await missingAncestors(request.path),
      });
      continue;
    }
    const owner = { uid: stat.uid, gid: stat.gid };
    const mode = stat.mode & 0o7777;
    if (stat.isDirectory()) {
      targets.push({
        path: request.path,
        kind: 'dir',
        sha256: await sha256Tree(request.path),
        mode,
        ...owner,
        backup: `trees/${index}`,
      });
      continue;
    }
    if (!stat.isFile()) throw new Error(`'${request.path}' is neither a file nor a folder`);
    const backup = `files/${index}`;
    await copyFile(request.path, join(folder, backup), constants.COPYFILE_EXCL);
    await fsyncFile(join(folder, backup));
    targets.push({
      path: request.path,
      kind: 'file',
      sha256: await sha256File(join(folder, backup)),
      mode,
      ...owner,
      backup,
    });
  }
  await fsyncDirectory(join(folder, 'files'));
  return targets;
}
