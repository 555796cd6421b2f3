import type { ReportModel } from '../model/report-model.js';
import { formatPct } from './numbers.js';

export type ChangeVerdict = 'better' | 'worse' | 'unchanged' | 'unknown';

/** A relative change for a table cell: `-12.5%`, or `new (baseline 0)` when a % has no meaning. */
export function formatPercentChange(row: { changePct: number | null; fromZero: boolean }): string {
  return row.fromZero ? 'new (baseline 0)' : formatPct(row.changePct);
}

/** The objective's change judged in its direction: `{ text: '-66.9%', verdict: 'better' }`. */
export function objectiveChange(objective: ReportModel['objective']): {
  text: string;
  verdict: ChangeVerdict;
} {
  const text = formatPercentChange(objective);
  if (objective.improvementPct === null) return { text, verdict: 'unknown' };
  if (objective.improvementPct === 0)
    return { text: objective.change === 0 ? 'no change' : text, verdict: 'unchanged' };
  return { text, verdict: objective.improvementPct > 0 ? 'better' : 'worse' };
}
