import type { Diagnosis, Fix, Priority, TestResult } from '../contracts/schemas.js';
import { PRIORITY_RANK } from '../contracts/schemas.js';
import type {
  FixStatus,
  FixViews,
  IterationView,
  LedgerEntry,
  LoopState,
  LoopStateView,
} from '../contracts/state.js';

/**
 * The fix ledger: the one place a fix's status lives, and the rules about fixes (which are
 * eligible, which alternative goes next, which kept fixes restoring the best state undoes). Every
 * other view of fixes (kept, rolled back, per iteration) is derived from it.
 */

export function entryOf(state: LoopState, fixId: string): LedgerEntry | undefined {
  return state.ledger[fixId];
}

export function idsWithStatus(state: Pick<LoopState, 'ledger'>, ...statuses: FixStatus[]): string[] {
  return Object.entries(state.ledger)
    .filter(([, entry]) => statuses.includes(entry.status))
    .map(([id]) => id);
}

/**
 * The fixes of a diagnosis worth trying: at or above the priority bar, not tried before, and not an
 * alternative of a kept fix (a later diagnosis proposing it again does not bring it back).
 */
export function eligibleFixes(state: LoopState, diagnosis: Diagnosis, bar: Priority): Fix[] {
  const keptFamilies = new Set(
    Object.values(state.ledger)
      .filter((entry) => entry.status === 'kept')
      .flatMap((entry) => [entry.fix.id, ...(entry.fix.alternativeOf ? [entry.fix.alternativeOf] : [])]),
  );
  const ofKeptFamily = (fix: Fix) =>
    keptFamilies.has(fix.id) || (fix.alternativeOf !== undefined && keptFamilies.has(fix.alternativeOf));
  return diagnosis.fixes.filter(
    (fix) =>
      state.ledger[fix.id] === undefined &&
      !ofKeptFamily(fix) &&
      PRIORITY_RANK[fix.priority] >= PRIORITY_RANK[bar],
  );
}

/** Takes the next fix off the queue. */
export function takeNext(state: LoopState): Fix | undefined {
  const [fix, ...rest] = state.queue;
  state.queue = rest;
  return fix;
}

/** Marks the start of an apply: from here on the system may hold part of the fix. */
export function beginApply(state: LoopState, fix: Fix): LedgerEntry {
  const entry: LedgerEntry = state.ledger[fix.id] ?? {
    fix,
    status: 'applying',
    iteration: state.iteration,
    attempts: 0,
    inconclusive: [],
  };
  entry.status = 'applying';
  entry.attempts += 1;
  state.ledger[fix.id] = entry;
  return entry;
}

export function setStatus(state: LoopState, fixId: string, status: FixStatus, error?: string): void {
  const entry = state.ledger[fixId];
  if (!entry) return;
  entry.status = status;
  if (error !== undefined) entry.error = error;
}

export function markKept(state: LoopState, fixId: string): void {
  const entry = state.ledger[fixId];
  if (!entry) return;
  entry.status = 'kept';
  entry.keptSeq ??= 1 + Math.max(0, ...Object.values(state.ledger).map((e) => e.keptSeq ?? 0));
}

/** Records an inconclusive test; returns how many this fix has had. */
export function addInconclusive(state: LoopState, fixId: string, result: TestResult): number {
  const entry = state.ledger[fixId];
  if (!entry) return 0;
  entry.inconclusive.push(result);
  return entry.inconclusive.length;
}

/** The kept fixes added after the best point, newest first: what restoring the best state undoes. */
export function keptAfterBest(state: LoopState): LedgerEntry[] {
  return Object.values(state.ledger)
    .filter((entry) => entry.status === 'kept' && (entry.keptSeq ?? 0) > state.bestKeptSeq)
    .sort((a, b) => (b.keptSeq ?? 0) - (a.keptSeq ?? 0));
}

export function lastKeptSeq(state: LoopState): number {
  return Math.max(
    0,
    ...Object.values(state.ledger)
      .filter((entry) => entry.status === 'kept')
      .map((entry) => entry.keptSeq ?? 0),
  );
}

/** After a rollback, the fix's untried alternatives go first. Returns what happens next, in words. */
export function queueAlternatives(state: LoopState, fix: Fix): string {
  const alternatives = (state.diagnosis?.fixes ?? []).filter(
    (candidate) =>
      state.ledger[candidate.id] === undefined &&
      (candidate.alternativeOf === fix.id ||
        (fix.alternativeOf !== undefined && candidate.id === fix.alternativeOf)),
  );
  if (alternatives.length === 0)
    return state.queue.length > 0 ? 'next fix' : 're-diagnose in the next iteration';
  const ids = new Set(alternatives.map((a) => a.id));
  state.queue = [...alternatives, ...state.queue.filter((f) => !ids.has(f.id))];
  return `try the alternative ${alternatives.map((a) => a.id).join(', ')}`;
}

/** Once a fix is kept, the other ways of fixing the same root cause are moot. Returns the dropped ids. */
export function dropAlternativesOf(state: LoopState, fix: Fix): string[] {
  const family = new Set([fix.id, ...(fix.alternativeOf ? [fix.alternativeOf] : [])]);
  const dropped = state.queue.filter(
    (candidate) =>
      family.has(candidate.id) ||
      (candidate.alternativeOf !== undefined && family.has(candidate.alternativeOf)),
  );
  state.queue = state.queue.filter((candidate) => !dropped.includes(candidate));
  return dropped.map((d) => d.id);
}

/** What may still be changed on the system: kept fixes, and fixes left half applied or not undone. */
export function possiblyChanged(state: LoopState): string[] {
  return idsWithStatus(state, 'kept', 'applying', 'testing', 'rollback_failed');
}

/** The classic per-status lists, derived from the ledger (exit policies, summaries, reports read them). */
export function fixViews(state: Pick<LoopState, 'ledger'>): FixViews {
  const kept = Object.entries(state.ledger)
    .filter(([, entry]) => entry.status === 'kept')
    .sort(([, a], [, b]) => (a.keptSeq ?? 0) - (b.keptSeq ?? 0))
    .map(([id]) => id);
  return {
    fixesAttempted: Object.keys(state.ledger),
    fixesSuccessful: kept,
    fixesRolledBack: idsWithStatus(state, 'rolled_back', 'restored'),
    fixesFailed: idsWithStatus(state, 'failed'),
  };
}

export type IterationFixes = Pick<IterationView, 'fixesKept' | 'fixesRolledBack' | 'fixesFailed'>;

/** The iteration history with each iteration's fixes. */
export function iterationViews(state: LoopState): IterationView[] {
  return state.iterationHistory.map((record) => ({ ...record, ...iterationFixes(state, record.iteration) }));
}

/** The fixes tried in one iteration, by outcome (a fix kept then undone to restore the best counts as kept there). */
export function iterationFixes(state: Pick<LoopState, 'ledger'>, iteration: number): IterationFixes {
  const of = (...statuses: FixStatus[]) =>
    Object.entries(state.ledger)
      .filter(([, entry]) => entry.iteration === iteration && statuses.includes(entry.status))
      .map(([id]) => id);
  return {
    fixesKept: of('kept', 'restored'),
    fixesRolledBack: of('rolled_back'),
    fixesFailed: of('failed'),
  };
}

/** The state as exit policies and reports see it: with the per-status lists derived from the ledger. */
export function stateView(state: LoopState): LoopStateView {
  return { ...state, ...fixViews(state) };
}
