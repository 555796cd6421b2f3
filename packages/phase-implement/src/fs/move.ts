import { cp, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirectory } from './atomic-write.js';

/**
 * Moves a file or folder. A rename when both ends are on one device; across devices a copy to
 * `<to>.partial`, then a rename to `<to>`, then removal of the source — so `<to>` exists only
 * once it is complete, which is what recovery relies on.
 */
export async function moveTree(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const partial = `${to}.partial`;
    await rm(partial, { recursive: true, force: true });
    await cp(from, partial, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await rename(partial, to);
    await fsyncDirectory(dirname(to));
    await rm(from, { recursive: true, force: true });
  }
  await fsyncDirectory(dirname(from));
  await fsyncDirectory(dirname(to));
}
