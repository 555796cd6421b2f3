import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { possiblyChanged, RatchetError, RunStore } from '@ratchet/core';
import { EXIT } from '../exit-codes.js';

/**
 * Gives up an unfinished run whose process is gone (a crash, a kill, a closed terminal), so that
 * `ratchet run` can start a new one in its folder. Refused while the run's process still holds the
 * lock. Nothing on the system is undone: the output names what may still be changed.
 */
export async function abandonCommand(flags: { out: string; json?: boolean }): Promise<void> {
  const outDir = resolve(flags.out);
  if (!existsSync(join(outDir, 'loop_state.json'))) {
    throw new RatchetError('STATE_NOT_FOUND', `no run state in ${outDir}`, {
      hint: 'pass the --out folder of the run to abandon',
    });
  }
  const store = new RunStore(outDir);
  store.lock.acquire();
  try {
    const state = store.loadState();
    if (state.status === 'finished' || state.status === 'abandoned') {
      process.stdout.write(`the run ${state.runId} is ${state.status}: nothing to abandon\n`);
      process.exitCode = EXIT.ok;
      return;
    }
    const stillChanged = possiblyChanged(state);
    const was = `${state.status} at ${state.cursor.step}${state.cursor.fix ? ` (${state.cursor.fix.id})` : ''}`;
    state.status = 'abandoned';
    state.exitCondition = 'abandoned';
    state.exitReason = `abandoned by the user (it was ${was}); nothing was rolled back${
      stillChanged.length ? `: the system may still hold ${stillChanged.join(', ')}` : ''
    }`;
    store.journal.append({
      type: 'abandon',
      iteration: state.iteration,
      data: { was, possiblyChanged: stillChanged },
    });
    store.saveState(state);
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ runId: state.runId, status: state.status, possiblyChanged: stillChanged }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        `abandoned the run ${state.runId} (${was})\n` +
          (stillChanged.length
            ? `the system may still hold these fixes (nothing was rolled back): ${stillChanged.join(', ')}\n`
            : 'no fix is applied on the system\n') +
          'a new `ratchet run` moves it to previous/ and starts afresh\n',
      );
    }
    process.exitCode = EXIT.ok;
  } finally {
    store.lock.release();
  }
}
