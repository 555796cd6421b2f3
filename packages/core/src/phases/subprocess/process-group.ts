import type { ChildProcess } from 'node:child_process';

// Subprocesses run in their own process group (detached), so that a timeout or an abort stops the
// command AND whatever it started (a bash script's `sleep`, a Python pool). Because detached groups
// outlive us, the groups still running when Ratchet exits are killed on the way out.
const USE_GROUPS = process.platform !== 'win32';
const liveGroups = new Set<number>();
let exitHookInstalled = false;

export function spawnsInOwnGroup(): boolean {
  return USE_GROUPS;
}

export function trackGroup(child: ChildProcess): void {
  if (!USE_GROUPS || child.pid === undefined) return;
  liveGroups.add(child.pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
    });
  }
}

export function untrackGroup(child: ChildProcess): void {
  if (child.pid !== undefined) liveGroups.delete(child.pid);
}

/** Sends a signal to the child's whole process group (or to the child alone where groups do not exist). */
export function signalProcessTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  if (USE_GROUPS && signalGroup(child.pid, signal)) return;
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
