import type { DecisionRecord, LoopEvents } from '../contracts/events.js';
import type { Logger } from '../contracts/logger.js';
import type { LoopState } from '../contracts/state.js';
import { describeError } from '../errors/ratchet-error.js';
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

/**
 * Keeps the final reports current: they are rewritten at the end of every iteration, on a pause and
 * when the run ends, from the state and decision log on disk, so a report exists even for a run
 * that is stopped or killed later. A report that cannot be written is logged; the loop goes on.
 */
export function attachReportWriter(events: LoopEvents, store: RunStore, log: Logger): () => void {
  const write = () => {
    try {
      if (store.hasState()) writeFinalReports(store, store.loadState(), store.loadDecisions());
    } catch (error) {
      log.warn(`could not write the final report: ${describeError(error)}`);
    }
  };
  // The state snapshot is saved right after these events' step ends; write on the next tick.
  const later = () => setImmediate(write);
  events.on('iteration:end', later);
  events.on('pause', write);
  events.on('run:end', write);
  return () => {
    events.off('iteration:end', later);
    events.off('pause', write);
    events.off('run:end', write);
  };
}
