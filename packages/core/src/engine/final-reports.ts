import type { DecisionRecord } from '../contracts/events.js';
import type { LoopState } from '../contracts/state.js';
import { renderFinalReportHtml, renderFinalReportMarkdown } from '../reports/index.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import type { RunStore } from '../state/run-store.js';

/** Writes final_improvement_report.md and .html for the run as it stands (also for paused runs). */
export function writeFinalReports(
  store: RunStore,
  state: LoopState,
  decisions: DecisionRecord[],
  now = new Date(),
): void {
  const input = { state, decisions, generatedAt: now };
  writeFileAtomic(store.path('reportMarkdown'), renderFinalReportMarkdown(input));
  writeFileAtomic(store.path('reportHtml'), renderFinalReportHtml(input));
}
