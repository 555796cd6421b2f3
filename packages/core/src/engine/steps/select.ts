import type { Cursor } from '../../contracts/state.js';
import { consentTo } from '../consent.js';
import { iterationFixes, takeNext } from '../ledger.js';
import { checkExit, type StepContext } from '../step-context.js';
import { finish } from './finish.js';

/**
 * Takes the next queued fix the user agrees to and that would change something (asked before any
 * work for it), or ends the iteration (the run, when a fresh diagnosis had nothing new).
 */
export async function selectStep(ctx: StepContext): Promise<Cursor> {
  const { state } = ctx;
  for (;;) {
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
    if (!state.dryRun && !(await consentTo(ctx, fix))) {
      ctx.save();
      continue;
    }
    return { step: ctx.phases.test.measureBefore && !state.dryRun ? 'pretest' : 'implement', fix };
  }
}
