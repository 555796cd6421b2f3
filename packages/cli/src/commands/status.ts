import { join, resolve } from 'node:path';
import { escapeControl, RunStore } from '@ratchet/core';
import { EXIT } from '../exit-codes.js';
import { summarize } from '../ui/summary.js';

export async function statusCommand(flags: { out: string; json?: boolean }): Promise<void> {
  const outDir = resolve(flags.out);
  const state = RunStore.readState(join(outDir, 'loop_state.json'));
  const summary = summarize(state, outDir);
  if (flags.json) process.stdout.write(`${JSON.stringify({ ...summary, text: undefined }, null, 2)}\n`);
  else
    process.stdout.write(
      escapeControl(
        `${summary.text}\nnext step: ${state.cursor.step}${state.cursor.fix ? ` (${state.cursor.fix.id})` : ''}\n`,
      ),
    );
  process.exitCode = EXIT.ok;
}
