import type { TestResult } from '../../contracts/schemas.js';
import type { Cursor } from '../../contracts/state.js';
import { describeError } from '../../errors/ratchet-error.js';
import { required, type StepContext } from '../step-context.js';

/** Tests an applied fix. A measurement that fails says nothing about the fix: inconclusive, never a rollback. */
export async function testStep(ctx: StepContext, cursor: Cursor): Promise<Cursor> {
  const fix = required(cursor.fix, 'fix');
  const entry = required(ctx.state.ledger[fix.id], `ledger entry of ${fix.id}`);
  let result: TestResult;
  try {
    const input = {
      fix,
      applied: required(entry.applied, `applied result of ${fix.id}`),
      before: cursor.before ?? required(ctx.state.currentMeasurement, 'currentMeasurement'),
      baseline: required(ctx.state.baselineMeasurement, 'baselineMeasurement'),
      objective: ctx.options.objective,
      ...(entry.inconclusive.length > 0 ? { previous: [...entry.inconclusive] } : {}),
    };
    result = await ctx.runner.produce(
      'test',
      'test',
      (phaseCtx) => ctx.phases.test.run(input, phaseCtx),
      fix,
    );
  } catch (error) {
    if (ctx.options.signal?.aborted) throw error;
    result = {
      decision: 'MONITOR',
      rule: 'measurement-failed',
      rationale: `the test could not measure the fix: ${describeError(error)}`,
    };
  }
  return { step: 'decide', fix, test: result, before: cursor.before };
}
