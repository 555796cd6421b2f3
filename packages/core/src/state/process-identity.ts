import { readFileSync } from 'node:fs';

/**
 * What the kernel says about a process, on Linux from /proc/<pid>/stat: its state letter (Z for a
 * zombie) and its start time in clock ticks since boot (field 22), which with the pid names one
 * process for good: a pid reused by a newer process has another start time. `undefined` where /proc
 * is not available (macOS, Windows).
 */
export interface ProcessStat {
  state: string;
  startTime: string;
}

export function readProcessStat(pid: number): ProcessStat | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return procMounted() ? null : undefined;
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: field 3 (state) is fields[0], field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = fields[19];
  if (!state || !startTime) return undefined;
  return { state, startTime };
}

function procMounted(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

/** This process's start time, recorded in the lock file; undefined without /proc. */
export function ownStartTime(): string | undefined {
  return readProcessStat(process.pid)?.startTime;
}

/**
 * Whether the process that wrote a lock still runs: not when it is gone, a zombie (dead, not yet
 * reaped), or its pid now belongs to a process started at another time.
 */
export function isProcessAlive(pid: number, startTime?: string): boolean {
  const stat = readProcessStat(pid);
  if (stat === null) return false;
  if (stat !== undefined) {
    if (stat.state === 'Z' || stat.state === 'X') return false;
    return startTime === undefined || stat.startTime === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
