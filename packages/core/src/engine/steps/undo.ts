import type { AppliedFix, Fix } from '../../contracts/schemas.js';
import type { LedgerEntry } from '../../contracts/state.js';
import { describeError, RatchetError } from '../../errors/ratchet-error.js';
import { possiblyChanged } from '../ledger.js';
import type { StepContext } from '../step-context.js';

/**
 * Why a fix is undone: a test said so, restoring the best known state, an apply that failed, or an
 * apply that a crash or an interrupt cut short.
 */
export type UndoReason = 'test' | 'restore' | 'apply-failed' | 'interrupted';

/**
 * Undoes a fix with the implement phase: `rollback(applied)` for an applied fix; after a failed or
 * cut-short apply, `recover` when the phase has one, else `rollback` with whatever partial result
 * exists. When the undo fails the ledger says so and the run must stop: it throws ROLLBACK_FAILED,
 * naming every fix the system may still hold.
 */
export async function undoFix(
  ctx: StepContext,
  entry: LedgerEntry,
  reason: UndoReason,
  partial?: unknown,
): Promise<void> {
  const { fix } = entry;
  const implement = ctx.phases.implement;
  ctx.store.journal.append({
    type: 'rollback',
    iteration: ctx.state.iteration,
    fixId: fix.id,
    data: { reason },
  });
  try {
    if ((reason === 'apply-failed' || reason === 'interrupted') && implement.recover) {
      const recover = implement.recover.bind(implement);
      await ctx.runner.run('recover', (phaseCtx) => recover(fix, phaseCtx, { reason, partial }), fix);
    } else {
      const applied = entry.applied ?? partialApplied(fix, partial);
      await ctx.runner.run('rollback', (phaseCtx) => implement.rollback(applied, phaseCtx), fix);
    }
  } catch (error) {
    if (ctx.options.signal?.aborted) throw error;
    entry.status = 'rollback_failed';
    entry.error = describeError(error);
    ctx.save();
    const stillChanged = possiblyChanged(ctx.state);
    throw new RatchetError(
      'ROLLBACK_FAILED',
      `could not roll back ${fix.id} (${reason}): ${describeError(error)}. The run stopped: the system may still hold these fixes: ${stillChanged.join(', ')}`,
      {
        cause: error,
        hint: `check them by hand (the implement phase's backups are under ${ctx.store.outDir}); \`ratchet resume\` tries the rollback again, \`ratchet abandon\` gives the run up`,
        details: { fixId: fix.id, reason, possiblyChanged: stillChanged },
      },
    );
  }
  ctx.state.systemChangedAt = ctx.now().toISOString();
}

/** What a failed apply left: the phase's partial result when it gave one, else the fix id alone. */
function partialApplied(fix: Fix, partial: unknown): AppliedFix {
  const given = partial && typeof partial === 'object' && !Array.isArray(partial) ? partial : {};
  const changes = Array.isArray((given as { changes?: unknown }).changes)
    ? ((given as { changes: AppliedFix['changes'] }).changes ?? [])
    : [];
  return { ...(given as Record<string, unknown>), fixId: fix.id, changes, partial: true } as AppliedFix;
}
