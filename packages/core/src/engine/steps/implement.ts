import type { Cursor, LedgerEntry } from '../../contracts/state.js';
import { describeError, RatchetError } from '../../errors/ratchet-error.js';
import { brokenEnvironment, environmentError } from '../environment.js';
import { beginApply } from '../ledger.js';
import { checkExit, required, type StepContext } from '../step-context.js';
import { finish } from './finish.js';
import { undoFix } from './undo.js';

/** Applies one fix. Any failure is rolled back before the loop goes on; a failed rollback stops the run. */
export async function implementStep(ctx: StepContext, cursor: Cursor): Promise<Cursor> {
  const fix = required(cursor.fix, 'fix');
  const { state } = ctx;
  const earlier = state.ledger[fix.id];
  if (earlier && (earlier.status === 'applying' || earlier.status === 'rollback_failed')) {
    // A crash or an interrupt cut the apply short (or its undo failed): put the system back first.
    await undoFix(ctx, earlier, 'interrupted');
  }
  const entry = beginApply(state, fix);
  ctx.save();
  try {
    const applied = await ctx.runner.produce(
      'implement',
      'implement',
      (phaseCtx) => ctx.phases.implement.run({ fix, dryRun: state.dryRun }, phaseCtx),
      fix,
    );
    if (applied.fixId !== fix.id) {
      throw new RatchetError(
        'PHASE_INVALID_OUTPUT',
        `the implement phase was asked to apply ${fix.id} but reported fixId ${applied.fixId}`,
        { details: { partial: applied } },
      );
    }
    entry.applied = applied;
  } catch (error) {
    if (ctx.options.signal?.aborted) throw error;
    return applyFailed(ctx, entry, error);
  }
  if (state.dryRun) {
    entry.status = 'dry_run';
    ctx.recordDecision({
      fix,
      outcome: 'DRY_RUN',
      next: 'next fix',
      rationale: 'dry run: nothing was changed; the planned changes are in implementation.json',
      evidence: { changes: entry.applied?.changes ?? [] },
    });
    return { step: 'select' };
  }
  entry.status = 'testing';
  return { step: 'test', fix, before: cursor.before };
}

async function applyFailed(ctx: StepContext, entry: LedgerEntry, error: unknown): Promise<Cursor> {
  const message = describeError(error);
  const partial = (error as { details?: { partial?: unknown } } | undefined)?.details?.partial;
  await undoFix(ctx, entry, 'apply-failed', partial);
  entry.status = 'failed';
  entry.error = message;
  ctx.recordDecision({
    fix: entry.fix,
    outcome: 'APPLY_FAILED',
    next: 'next fix',
    rationale: `the fix could not be applied, and was rolled back: ${message}`,
  });
  const broken = brokenEnvironment(error);
  if (broken) throw environmentError(`applying ${entry.fix.id}`, broken, true);
  const verdict = checkExit(ctx, 'decision');
  return verdict ? finish(ctx, verdict) : { step: 'select' };
}
