import type { AppliedFix, Fix } from '../contracts/schemas.js';
import { AppliedFixSchema } from '../contracts/schemas.js';
import type { LedgerEntry } from '../contracts/state.js';
import type { StepContext } from './step-context.js';

/**
 * True when a preview says applying the fix would change nothing: every file it writes already
 * holds what it would write, and it runs no command (a restart alone changes nothing worth testing).
 */
export function changesNothing(preview: AppliedFix): boolean {
  const writes = preview.changes.filter((change) => change.action !== 'restart');
  return (
    writes.length > 0 &&
    writes.every(
      (change) =>
        change.action === 'write' &&
        typeof change.hashBefore === 'string' &&
        change.hashBefore === change.hashAfter,
    )
  );
}

/**
 * Before any work for a fix (its pretest included): the implement phase's preview, when it has one,
 * and the user's approval, when the run asks for it. Returns false when the fix must be skipped:
 * it is already in place (ALREADY_APPLIED), or the user declined it (DECLINED).
 */
export async function consentTo(ctx: StepContext, fix: Fix): Promise<boolean> {
  const { options } = ctx;
  const implement = ctx.phases.implement;
  let preview: AppliedFix | undefined;
  if (implement.preview) {
    const previewOf = implement.preview.bind(implement);
    try {
      const raw = await ctx.runner.run('preview', (phaseCtx) => previewOf(fix, phaseCtx), fix);
      preview = AppliedFixSchema.parse(raw);
    } catch (error) {
      // The apply meets the same problem and records it (APPLY_FAILED); the preview only informs.
      if (ctx.options.signal?.aborted) throw error;
      ctx.log.warn(`no preview of ${fix.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (preview && changesNothing(preview)) {
      skip(ctx, fix, 'already_applied');
      ctx.recordDecision({
        fix,
        outcome: 'ALREADY_APPLIED',
        next: 'next fix',
        rationale:
          'already applied: every file the fix writes already holds what it would write; nothing was tried',
        evidence: { changes: preview.changes },
      });
      return false;
    }
  }
  if (options.approveFix && !(await options.approveFix(fix, preview))) {
    skip(ctx, fix, 'declined');
    ctx.recordDecision({
      fix,
      outcome: 'DECLINED',
      next: 'next fix',
      rationale: 'declined when asked: nothing was measured or changed for it',
    });
    return false;
  }
  return true;
}

function skip(ctx: StepContext, fix: Fix, status: 'declined' | 'already_applied'): void {
  const entry: LedgerEntry = {
    fix,
    status,
    iteration: ctx.state.iteration,
    attempts: 0,
    inconclusive: [],
  };
  ctx.state.ledger[fix.id] = entry;
}
