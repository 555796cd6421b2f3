import { join, resolve } from 'node:path';
import { escapeControl, isProcessAlive, RunLock, RunStore } from '@ratchet/core';
import { EXIT } from '../exit-codes.js';
import { summarize } from '../ui/summary.js';

export async function statusCommand(flags: { out: string; json?: boolean }): Promise<void> {
  const outDir = resolve(flags.out);
  const state = RunStore.readState(join(outDir, 'loop_state.json'));
  const summary = summarize(state, outDir);
  const owner = new RunLock(join(outDir, '.lock')).owner();
  const alive = owner ? isProcessAlive(owner.pid, owner.processStart) : false;
  const process_ = owner && alive ? `pid ${owner.pid} on ${owner.host}` : null;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, text: undefined, process: process_ }, null, 2)}\n`);
  } else {
    const orphan =
      state.status === 'running' && !alive
        ? '\nthe process that ran it is gone: `ratchet resume` goes on, `ratchet abandon` gives it up'
        : '';
    process.stdout.write(
      escapeControl(
        `${summary.text}\nnext step: ${state.cursor.step}${state.cursor.fix ? ` (${state.cursor.fix.id})` : ''}` +
          `${process_ ? `\nheld by ${process_}` : ''}${orphan}\n`,
      ),
    );
  }
  process.exitCode = EXIT.ok;
}
