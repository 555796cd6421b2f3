import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RunLock } from '@ratchet/core';

/**
 * One fix at a time per output folder, with the core's lock: a lock whose owner is gone, a zombie,
 * or a pid now used by another process is taken over; this process's own is refused too.
 */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  const lock = new RunLock(path, {
    what: 'fix being applied',
    code: 'ACTION_REFUSED',
    hint: 'Wait for it to finish; only one fix is applied at a time.',
    reentrant: false,
  });
  lock.acquire();
  return async () => lock.release();
}
