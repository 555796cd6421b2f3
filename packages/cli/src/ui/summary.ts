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
  fixesAttempted: string[];
  fixesSuccessful: string[];
  fixesRolledBack: string[];
  fixesFailed: string[];
  nextStep: string;
  outDir: string;
  report: string;
  text: string;
}

export function summarize(state: LoopState, outDir: string): RunSummary {
  const views = fixViews(state);
  const unsure = possiblyChanged(state).filter((id) => state.ledger[id]?.status !== 'kept');
  const gain = improvementPct(state.objective, state.baselineObjective, state.currentObjective);
  const report = `${outDir}/final_improvement_report.md`;
  const lines = [
    `status: ${state.status}${state.exitCondition ? ` (${state.exitCondition})` : ''}`,
    state.exitReason ? `reason: ${state.exitReason}` : undefined,
    `objective: ${describeObjective(state.objective)}`,
    `  baseline ${formatNumber(state.baselineObjective)} -> now ${formatNumber(state.currentObjective)}${gain === null ? '' : ` (${gain >= 0 ? 'better' : 'worse'} by ${Math.abs(gain).toFixed(1)}%)`}`,
    `iterations: ${state.iteration}`,
    state.dryRun ? 'dry run: nothing was changed' : undefined,
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
    nextStep: state.cursor.step,
    outDir,
    report,
    text: lines.join('\n'),
  };
}
