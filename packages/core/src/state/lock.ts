import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type ErrorCode, RatchetError } from '../errors/ratchet-error.js';
import { isProcessAlive, ownStartTime } from './process-identity.js';

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** The owner's start time from /proc (Linux): recognizes a pid reused by another process. */
  processStart?: string;
}

export interface LockOptions {
  /** What holds the lock, in messages ("ratchet run"). */
  what?: string;
  /** The code of a refusal (STATE_LOCKED). */
  code?: ErrorCode;
  hint?: string;
  /** Whether this process may take a lock it already holds (true), or is refused like another one. */
  reentrant?: boolean;
}

/**
 * Keeps two processes off one folder. The lock file names its owner; a lock whose owner is gone
 * from this host (a crash, a SIGKILL, a zombie not yet reaped, a pid now used by another program)
 * is taken over, since resuming after a crash is exactly what the lock must not prevent.
 */
export class RunLock {
  private held = false;

  private readonly what: string;
  private readonly code: ErrorCode;
  private readonly hint: string;
  private readonly reentrant: boolean;

  constructor(
    private readonly path: string,
    options: LockOptions = {},
  ) {
    this.what = options.what ?? 'ratchet run';
    this.code = options.code ?? 'STATE_LOCKED';
    this.hint = options.hint ?? 'wait for it to finish, stop it, or use another --out folder';
    this.reentrant = options.reentrant ?? true;
  }

  acquire(): void {
    const me: LockOwner = {
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
      processStart: ownStartTime(),
    };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        writeFileSync(this.path, JSON.stringify(me), { flag: 'wx' });
        this.held = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = this.owner();
        const mine =
          owner !== undefined &&
          owner.host === me.host &&
          owner.pid === process.pid &&
          owner.processStart === me.processStart;
        if (mine && this.reentrant) {
          this.held = true;
          return;
        }
        const gone = owner
          ? !mine && owner.host === me.host && !isProcessAlive(owner.pid, owner.processStart)
          : this.olderThan(10_000); // a lock file cut short between its creation and its write
        if (gone) {
          rmSync(this.path, { force: true });
          continue;
        }
        throw new RatchetError(
          this.code,
          mine
            ? `another ${this.what} of this process holds ${this.path}`
            : owner
              ? `another ${this.what} (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}) holds ${this.path}`
              : `another ${this.what} is taking the lock ${this.path}`,
          { hint: this.hint },
        );
      }
    }
    throw new RatchetError(this.code, `could not take the lock ${this.path}`, { hint: this.hint });
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    rmSync(this.path, { force: true });
  }

  private olderThan(ms: number): boolean {
    try {
      return Date.now() - statSync(this.path).mtimeMs > ms;
    } catch {
      return true;
    }
  }

  /** The owner named by the lock file, if there is one. */
  owner(): LockOwner | undefined {
    try {
      const owner = JSON.parse(readFileSync(this.path, 'utf8')) as LockOwner;
      return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
    } catch {
      return undefined;
    }
  }
}
