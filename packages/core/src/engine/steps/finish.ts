import { join } from 'node:path';
import type { ExitVerdict } from '../../contracts/exit-policy.js';
import type { Cursor } from '../../contracts/state.js';
import { describeError } from '../../errors/ratchet-error.js';
import { renderIterationSummaryMarkdown } from '../../reports/index.js';
import { writeFileAtomic } from '../../state/atomic-write.js';
import { iterationFixes, keptAfterBest } from '../ledger.js';
import { improvementPct } from '../objective.js';
import { currentRecord, type StepContext } from '../step-context.js';
import { undoFix } from './undo.js';

/** Ends the run with a verdict; first restores the best known state when the verdict asks for it. */
export async function finish(ctx: StepContext, verdict: ExitVerdict): Promise<Cursor> {
  const { state } = ctx;
  let reason = verdict.reason;
  if (verdict.restoreBest) reason += `; ${await restoreBest(ctx)}`;
  state.status = 'finished';
  state.exitCondition = verdict.condition;
  state.exitReason = reason;
  closeIterationRecord(ctx);
  ctx.store.journal.append({ type: 'exit', iteration: state.iteration, data: { ...verdict, reason } });
  ctx.events.emit('exit', { ...verdict, reason });
  return { step: 'done' };
}

/** Rolls back, newest first, the kept fixes added after the best objective. Says what it undid. */
async function restoreBest(ctx: StepContext): Promise<string> {
  const { state } = ctx;
  const undone: string[] = [];
  for (const entry of keptAfterBest(state)) {
    await undoFix(ctx, entry, 'restore');
    entry.status = 'restored';
    undone.push(entry.fix.id);
    ctx.recordDecision({
      fix: entry.fix,
      outcome: 'RESTORED',
      next: 'stop',
      rationale: 'rolled back to restore the best known state',
    });
    ctx.save();
  }
  state.currentObjective = state.bestObjective;
  return undone.length > 0
    ? `restored the best known state by rolling back ${undone.join(', ')}`
    : 'the system already was in its best known state: nothing was rolled back';
}

/** Completes the current iteration's record: its final objective and its gain over the best before it. */
export function closeIterationRecord(ctx: StepContext): void {
  const { state, options } = ctx;
  const record = currentRecord(state);
  if (!record || record.endedAt) return;
  const earlier = state.iterationHistory
    .filter((r) => r.iteration < record.iteration)
    .map((r) => r.objective)
    .concat([record.objectiveAtStart])
    .filter((v): v is number => v !== null);
  const higher = options.objective.direction === 'higher';
  const bestBefore = earlier.length ? (higher ? Math.max(...earlier) : Math.min(...earlier)) : null;
  record.objective = state.currentObjective;
  record.metrics = state.currentMetrics ?? record.metrics;
  record.improvementPct = improvementPct(options.objective, bestBefore, record.objective);
  record.endedAt = ctx.now().toISOString();
  try {
    const summary = renderIterationSummaryMarkdown(
      { ...record, ...iterationFixes(state, record.iteration) },
      ctx.decisions().filter((d) => d.iteration === record.iteration),
    );
    writeFileAtomic(join(ctx.store.iterationDir(record.iteration), 'summary.md'), summary);
  } catch (error) {
    ctx.log.warn(`could not write the summary of iteration ${record.iteration}: ${describeError(error)}`);
  }
  ctx.events.emit('iteration:end', { iteration: record.iteration, objective: record.objective });
}
