import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hashes an open file from its start, so the bytes hashed are those of the file opened. */
export async function sha256Handle(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}

/** Files up to this size are read in one call; larger ones are streamed so memory stays flat. */
const SMALL_FILE_BYTES = 1024 * 1024;

export async function sha256File(path: string, size?: number): Promise<string> {
  if (size !== undefined && size <= SMALL_FILE_BYTES) return sha256(await readFile(path));
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * One hash for a folder tree: every entry's relative path, type, owner, permission bits (special
 * bits included) and content (or link target), in sorted order. Two trees hash alike exactly when
 * a restore was byte-exact and gave every entry back its owner and mode.
 */
const owner = (stat: { uid: number; gid: number }) => `${stat.uid}:${stat.gid}`;

export async function sha256Tree(root: string): Promise<string> {
  const hash = createHash('sha256');
  const rootStat = await lstat(root);
  hash.update(`.\0dir\0${owner(rootStat)}\0${(rootStat.mode & 0o7777).toString(8)}\n`);
  async function walk(folder: string, prefix: string): Promise<void> {
    const names = (await readdir(folder)).sort();
    for (const name of names) {
      const full = join(folder, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const stat = await lstat(full);
      const mode = `${owner(stat)}\0${(stat.mode & 0o7777).toString(8)}`;
      if (stat.isSymbolicLink()) {
        hash.update(`${rel}\0link\0${mode}\0${await readlink(full)}\n`);
      } else if (stat.isDirectory()) {
        hash.update(`${rel}\0dir\0${mode}\n`);
        await walk(full, rel);
      } else if (stat.isFile()) {
        hash.update(`${rel}\0file\0${mode}\0${await sha256File(full, stat.size)}\n`);
      } else {
        hash.update(`${rel}\0other\0${mode}\n`);
      }
    }
  }
  await walk(root, '');
  return hash.digest('hex');
}
