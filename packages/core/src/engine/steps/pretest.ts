import type { Cursor } from '../../contracts/state.js';
import { describeError } from '../../errors/ratchet-error.js';
import { brokenEnvironment, environmentError } from '../environment.js';
import { required, type StepContext } from '../step-context.js';

/** Lets the test phase measure what it will test, right before the fix changes anything. */
export async function pretestStep(ctx: StepContext, cursor: Cursor): Promise<Cursor> {
  const fix = required(cursor.fix, 'fix');
  const test = ctx.phases.test;
  const measureBefore = test.measureBefore?.bind(test);
  if (!measureBefore) return { step: 'implement', fix };
  const input = {
    fix,
    before: required(ctx.state.currentMeasurement, 'currentMeasurement'),
    baseline: required(ctx.state.baselineMeasurement, 'baselineMeasurement'),
    objective: ctx.options.objective,
  };
  try {
    const before = await ctx.runner.produce(
      'aggregate',
      'pretest',
      (phaseCtx) => measureBefore(input, phaseCtx),
      fix,
    );
    return { step: 'implement', fix, before };
  } catch (error) {
    if (ctx.options.signal?.aborted) throw error;
    const broken = brokenEnvironment(error);
    if (broken) throw environmentError(`measuring before ${fix.id}`, broken, false);
    ctx.log.warn(
      `the measurement before ${fix.id} failed (${describeError(error)}); the test compares with the latest measurement instead`,
    );
    return { step: 'implement', fix };
  }
}
