import type { TestResult } from '../../contracts/schemas.js';
import type { Cursor } from '../../contracts/state.js';
import { describeError } from '../../errors/ratchet-error.js';
import { brokenEnvironment, environmentError } from '../environment.js';
import { setStatus } from '../ledger.js';
import { required, type StepContext } from '../step-context.js';
import { undoFix } from './undo.js';

/** Tests an applied fix. A measurement that fails says nothing about the fix: inconclusive, never a rollback. */
export async function testStep(ctx: StepContext, cursor: Cursor): Promise<Cursor> {
  const fix = required(cursor.fix, 'fix');
  const entry = required(ctx.state.ledger[fix.id], `ledger entry of ${fix.id}`);
  // A test stopped by a broken environment took the fix back out: nothing is left to test.
  if (entry.status === 'rolled_back') return { step: 'select' };
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
    const broken = brokenEnvironment(error);
    if (broken) {
      // The fix cannot be judged in a broken environment: take it back out, then stop.
      await undoFix(ctx, entry, 'test');
      setStatus(ctx.state, fix.id, 'rolled_back', broken);
      throw environmentError(`testing ${fix.id}`, broken, true);
    }
    result = {
      decision: 'MONITOR',
      rule: 'measurement-failed',
      rationale: `the test could not measure the fix: ${describeError(error)}`,
    };
  }
  return { step: 'decide', fix, test: result, before: cursor.before };
}
