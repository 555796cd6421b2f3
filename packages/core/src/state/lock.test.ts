import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLock } from './lock.js';
import { isProcessAlive, ownStartTime, readProcessStat } from './process-identity.js';

const lockFile = () => join(mkdtempSync(join(tmpdir(), 'ratchet-lock-')), '.lock');
const onLinux = existsSync('/proc/self/stat');

describe('the run lock', () => {
  it('records the owner with its process start time, and releases', () => {
    const file = lockFile();
    const lock = new RunLock(file);
    lock.acquire();
    const owner = JSON.parse(readFileSync(file, 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    if (onLinux) expect(owner.processStart).toBe(ownStartTime());
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a lock held by a live process, with the configured code', () => {
    const file = lockFile();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(
        file,
        JSON.stringify({
          pid: child.pid,
          host: hostname(),
          startedAt: 'now',
          processStart: readProcessStat(child.pid!)?.startTime,
        }),
      );
      expect(() => new RunLock(file).acquire()).toThrow(/STATE_LOCKED|another ratchet run/);
      expect(() => new RunLock(file, { code: 'ACTION_REFUSED', what: 'fix' }).acquire()).toThrow(
        `pid ${child.pid}`,
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that is gone', async () => {
    const file = lockFile();
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((done) => child.on('close', done));
    writeFileSync(file, JSON.stringify({ pid, host: hostname(), startedAt: 'then' }));
    expect(isProcessAlive(pid)).toBe(false);
    new RunLock(file).acquire();
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
  });

  it.runIf(onLinux)('takes over a lock whose pid now belongs to a process started at another time', () => {
    const file = lockFile();
    writeFileSync(
      file,
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'then', processStart: '1' }),
    );
    expect(isProcessAlive(process.pid, '1')).toBe(false);
    expect(isProcessAlive(process.pid, ownStartTime())).toBe(true);
    new RunLock(file).acquire();
    expect(JSON.parse(readFileSync(file, 'utf8')).processStart).toBe(ownStartTime());
  });

  it('refuses its own process a second time when not reentrant', () => {
    const file = lockFile();
    new RunLock(file, { reentrant: false }).acquire();
    expect(() => new RunLock(file, { reentrant: false, what: 'fix being applied' }).acquire()).toThrow(
      'another fix being applied of this process',
    );
    expect(() => new RunLock(file).acquire()).not.toThrow();
  });
});
