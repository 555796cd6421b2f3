import type { DiagnoseInput } from '../../contracts/schemas.js';
import type { Cursor } from '../../contracts/state.js';
import { eligibleFixes, fixViews } from '../ledger.js';
import { required, type StepContext } from '../step-context.js';

/** Diagnoses the current measurement and queues the eligible fixes. */
export async function diagnoseStep(ctx: StepContext): Promise<Cursor> {
  const { state } = ctx;
  const views = fixViews(state);
  const input: DiagnoseInput = {
    aggregate: required(state.currentMeasurement, 'currentMeasurement'),
    mode: state.iteration === 1 || !state.diagnosis ? 'full' : 'focused',
    previous: state.diagnosis ?? undefined,
    attemptedFixIds: views.fixesAttempted,
    rolledBackFixIds: views.fixesRolledBack,
  };
  const diagnosis = await ctx.runner.produce('diagnose', 'diagnose', (phaseCtx) =>
    ctx.phases.diagnose.run(input, phaseCtx),
  );
  state.diagnosis = diagnosis;
  state.queue = eligibleFixes(state, diagnosis, ctx.options.priority);
  const skipped = diagnosis.fixes.length - state.queue.length;
  ctx.log.info(
    `diagnosis: ${diagnosis.fixes.length} fix(es) proposed, ${state.queue.length} eligible` +
      (skipped ? ` (${skipped} below the ${ctx.options.priority} bar or already attempted)` : ''),
  );
  return { step: 'select' };
}
