import type { Cursor } from '../../contracts/state.js';
import { checkExit, type StepContext } from '../step-context.js';
import { closeIterationRecord, finish } from './finish.js';

/** Closes the iteration, asks the exit policies, and starts the next iteration. */
export async function iterationEndStep(ctx: StepContext): Promise<Cursor> {
  closeIterationRecord(ctx);
  if (ctx.state.dryRun) {
    return finish(ctx, {
      condition: 'dry_run_complete',
      reason: 'dry run: every eligible fix was shown, nothing was changed',
    });
  }
  const verdict = checkExit(ctx, 'iteration-end');
  if (verdict) return finish(ctx, verdict);
  await ctx.options.beforeIteration?.(ctx.state.iteration + 1);
  ctx.state.iteration += 1;
  return { step: 'aggregate' };
}
