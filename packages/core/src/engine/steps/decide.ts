import type { Cursor } from '../../contracts/state.js';
import { addInconclusive, dropAlternativesOf, markKept, queueAlternatives } from '../ledger.js';
import { objectiveValue } from '../objective.js';
import { checkExit, isBest, required, type StepContext, setCurrent } from '../step-context.js';
import { finish } from './finish.js';
import { undoFix } from './undo.js';

/** Acts on the test's decision: keep the fix, wait for a retest, or roll it back. */
export async function decideStep(ctx: StepContext, cursor: Cursor): Promise<Cursor> {
  const fix = required(cursor.fix, 'fix');
  const test = required(cursor.test, 'test');
  const entry = required(ctx.state.ledger[fix.id], `ledger entry of ${fix.id}`);
  const { state, options } = ctx;
  // The numbers the judge compared: the test's own measurement before the fix when it took one.
  const objectiveBefore = test.before
    ? objectiveValue(options.objective, test.before).value
    : state.currentObjective;
  const objectiveAfter = test.after ? objectiveValue(options.objective, test.after.metrics).value : null;
  const decide = { fix, test, objectiveBefore, objectiveAfter, rationale: test.rationale };
  switch (test.decision) {
    case 'KEEP': {
      markKept(state, fix.id);
      if (test.after) setCurrent(ctx, test.after);
      const dropped = dropAlternativesOf(state, fix);
      if (dropped.length > 0) ctx.log.info(`kept ${fix.id}: dropping its alternatives ${dropped.join(', ')}`);
      state.systemChangedAt = test.window?.start ?? ctx.now().toISOString();
      if (isBest(ctx, state.currentObjective)) {
        state.bestObjective = state.currentObjective;
        state.bestKeptSeq = entry.keptSeq ?? state.bestKeptSeq;
      }
      const next = state.queue.length > 0 ? 'next fix' : 're-diagnose in the next iteration';
      ctx.recordDecision({ ...decide, outcome: 'KEEP', next, objectiveAfter: state.currentObjective });
      break;
    }
    case 'MONITOR': {
      // Not saved before the step ends: a decide repeated after a crash counts this result once.
      const count = addInconclusive(state, fix.id, test);
      if (count <= options.maxMonitor) {
        ctx.recordDecision({ ...decide, outcome: 'MONITOR', next: 'paused: retest with `ratchet resume`' });
        state.status = 'paused';
        state.exitCondition = null;
        state.exitReason = `waiting for a retest of ${fix.id} (inconclusive ${count} of ${options.maxMonitor} time(s) judge.maxMonitor allows; one more is a rollback): ${test.rationale}`;
        return { step: 'test', fix, before: cursor.before };
      }
      await undoFix(ctx, entry, 'test');
      entry.status = 'rolled_back';
      ctx.recordDecision({
        ...decide,
        outcome: 'ROLLBACK',
        next: queueAlternatives(state, fix),
        rationale: `rolled back after ${options.maxMonitor + 1} inconclusive tests: ${test.rationale}`,
      });
      break;
    }
    case 'ROLLBACK':
    case 'MODIFY': {
      await undoFix(ctx, entry, 'test');
      entry.status = 'rolled_back';
      if (test.decision === 'MODIFY') state.queue = [];
      const next = test.decision === 'MODIFY' ? 're-diagnose' : queueAlternatives(state, fix);
      ctx.recordDecision({ ...decide, outcome: test.decision, next });
      break;
    }
  }
  const verdict = checkExit(ctx, 'decision');
  return verdict ? finish(ctx, verdict) : { step: 'select' };
}
