import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RatchetError } from '@ratchet/core';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One fix at a time per output folder: a lock file holding the owner's pid; a dead owner's lock is taken over. */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new RatchetError(
          'ACTION_REFUSED',
          `another fix is being applied (process ${owner} holds ${path})`,
          {
            hint: 'Wait for it to finish; only one fix is applied at a time.',
          },
        );
      }
      if (owner === process.pid) {
        throw new RatchetError('ACTION_REFUSED', 'another fix is being applied by this process', {
          hint: 'Only one fix is applied at a time: wait for the previous run() or rollback() to finish.',
        });
      }
      await rm(path, { force: true });
    }
  }
  throw new RatchetError('ACTION_REFUSED', `could not take the implement lock ${path}`);
}
