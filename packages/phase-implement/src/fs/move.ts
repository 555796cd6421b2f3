import { cp, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirectory } from './atomic-write.js';

/**
 * What a move does when source and destination are on different devices: copy to `<to>.partial`,
 * rename it to `<to>`, then remove the source. `<to>` exists only once it is complete, and the
 * source goes only after that, which is what recovery relies on.
 */
export async function moveAcrossDevices(from: string, to: string): Promise<void> {
  const partial = `${to}.partial`;
  await rm(partial, { recursive: true, force: true });
  await cp(from, partial, {
    recursive: true,
    preserveTimestamps: true,
    verbatimSymlinks: true,
    errorOnExist: true,
  });
  await rename(partial, to);
  await fsyncDirectory(dirname(to));
  await rm(from, { recursive: true, force: true });
}

/** Moves a file or folder: a rename on one device, {@link moveAcrossDevices} across devices. */
export async function moveTree(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await moveAcrossDevices(from, to);
  }
  await fsyncDirectory(dirname(from));
  await fsyncDirectory(dirname(to));
}
