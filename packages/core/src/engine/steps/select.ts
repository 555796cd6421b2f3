import type { Cursor } from '../../contracts/state.js';
import { iterationFixes, takeNext } from '../ledger.js';
import { checkExit, type StepContext } from '../step-context.js';
import { finish } from './finish.js';

/** Takes the next queued fix, or ends the iteration (the run, when a fresh diagnosis had nothing new). */
export async function selectStep(ctx: StepContext): Promise<Cursor> {
  const { state } = ctx;
  const fix = takeNext(state);
  if (!fix) {
    const tried = iterationFixes(state, state.iteration);
    const triedThisIteration =
      tried.fixesKept.length + tried.fixesRolledBack.length + tried.fixesFailed.length;
    if (triedThisIteration === 0 && !state.dryRun) {
      const verdict = checkExit(ctx, 'no-fixes');
      if (verdict) return finish(ctx, verdict);
    }
    return { step: 'iteration-end' };
  }
  return { step: ctx.phases.test.measureBefore && !state.dryRun ? 'pretest' : 'implement', fix };
}
