import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { RatchetError } from '../errors/ratchet-error.js';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Keeps two runs off one output folder. The lock file names its owner; a lock left by a process
 * that no longer exists on this host (a crash, a SIGKILL) is taken over, since resuming after a
 * crash is exactly what the lock must not prevent.
 */
export class RunLock {
  private held = false;

  constructor(private readonly path: string) {}

  acquire(): void {
    const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        writeFileSync(this.path, JSON.stringify(me), { flag: 'wx' });
        this.held = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = this.readOwner();
        if (owner && owner.host === me.host && owner.pid !== process.pid && !isAlive(owner.pid)) {
          rmSync(this.path, { force: true });
          continue;
        }
        if (owner && owner.pid === process.pid && owner.host === me.host) {
          this.held = true;
          return;
        }
        throw new RatchetError(
          'STATE_LOCKED',
          `another ratchet run (pid ${owner?.pid ?? '?'} on ${owner?.host ?? '?'}, since ${owner?.startedAt ?? '?'}) holds ${this.path}`,
          { hint: 'wait for it to finish, stop it, or use another --out folder' },
        );
      }
    }
    throw new RatchetError('STATE_LOCKED', `could not take the lock ${this.path}`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    rmSync(this.path, { force: true });
  }

  private readOwner(): LockOwner | undefined {
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as LockOwner;
    } catch {
      return undefined;
    }
  }
}
