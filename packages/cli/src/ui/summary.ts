import {
  describeObjective,
  fixViews,
  formatNumber,
  improvementPct,
  type LoopState,
  possiblyChanged,
} from '@ratchet/core';

export interface RunSummary {
  status: LoopState['status'];
  exitCondition: string | null;
  exitReason: string | null;
  iteration: number;
  objective: string;
  baselineObjective: number | null;
  currentObjective: number | null;
  improvementPct: number | null;
  dryRun: boolean;
  /** Fixes the system may hold: kept ones, and any whose apply or rollback did not finish. */
  possiblyChanged: string[];
  /** Every fix applied on the system now, and whether it is kept or awaiting a retest (from the ledger). */
  applied: { id: string; state: 'kept' | 'awaiting a retest' }[];
  fixesAttempted: string[];
  fixesSuccessful: string[];
  fixesRolledBack: string[];
  fixesFailed: string[];
  nextStep: string;
  outDir: string;
  report: string;
  text: string;
}

/** Every fix the ledger says is on the system: kept, or applied and waiting for a retest (MONITOR). */
export function appliedNow(state: LoopState): RunSummary['applied'] {
  return Object.entries(state.ledger)
    .filter(([, entry]) => entry.status === 'kept' || entry.status === 'testing')
    .sort(([, a], [, b]) => (a.keptSeq ?? Number.MAX_SAFE_INTEGER) - (b.keptSeq ?? Number.MAX_SAFE_INTEGER))
    .map(([id, entry]) => ({ id, state: entry.status === 'kept' ? 'kept' : 'awaiting a retest' }));
}

/** ` (better by 12.0%)`; a change with no fix kept is the traffic's, not a fix's, and says so. */
function gainText(gain: number | null, kept: number): string {
  if (gain === null) return '';
  if (gain === 0) return ' (unchanged)';
  const word = gain > 0 ? 'better' : 'worse';
  const cause = kept === 0 ? '; no fix is kept, so the change came from the traffic, not from a fix' : '';
  return ` (${word} by ${Math.abs(gain).toFixed(1)}%${cause})`;
}

export function summarize(state: LoopState, outDir: string): RunSummary {
  const views = fixViews(state);
  const unsure = possiblyChanged(state).filter((id) => state.ledger[id]?.status !== 'kept');
  const gain = state.dryRun
    ? null
    : improvementPct(state.objective, state.baselineObjective, state.currentObjective);
  const applied = appliedNow(state);
  const report = `${outDir}/final_improvement_report.md`;
  const lines = [
    `status: ${state.status}${state.exitCondition ? ` (${state.exitCondition})` : ''}`,
    state.exitReason ? `reason: ${state.exitReason}` : undefined,
    `objective: ${describeObjective(state.objective)}`,
    `  baseline ${formatNumber(state.baselineObjective)} -> now ${formatNumber(state.currentObjective)}${gainText(gain, views.fixesSuccessful.length)}`,
    `iterations: ${state.iteration}`,
    state.dryRun ? 'dry run: nothing was changed' : undefined,
    `applied on the system now: ${applied.map((fix) => `${fix.id} (${fix.state})`).join(', ') || 'none'}`,
    `fixes kept: ${views.fixesSuccessful.join(', ') || 'none'}`,
    `fixes rolled back: ${views.fixesRolledBack.join(', ') || 'none'}`,
    views.fixesFailed.length ? `fixes that failed to apply: ${views.fixesFailed.join(', ')}` : undefined,
    unsure.length ? `may still be changed on the system: ${unsure.join(', ')}` : undefined,
    state.status === 'paused' || state.status === 'failed' || state.status === 'running'
      ? `next: ratchet resume --out ${outDir} (or ratchet abandon --out ${outDir})`
      : undefined,
    state.lastError && state.status === 'failed' ? `error: ${state.lastError}` : undefined,
    `report: ${report}`,
  ].filter((line): line is string => line !== undefined);
  return {
    status: state.status,
    exitCondition: state.exitCondition,
    exitReason: state.exitReason,
    iteration: state.iteration,
    objective: describeObjective(state.objective),
    baselineObjective: state.baselineObjective,
    currentObjective: state.currentObjective,
    improvementPct: gain,
    dryRun: state.dryRun,
    ...views,
    possiblyChanged: possiblyChanged(state),
    applied,
    nextStep: state.cursor.step,
    outDir,
    report,
    text: lines.join('\n'),
  };
}
