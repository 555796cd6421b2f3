import type { DecisionRecord, LoopEvents } from '../contracts/events.js';
import type { LoopState } from '../contracts/state.js';
import type { RunStore } from '../state/run-store.js';
import type { NewDecision } from './step-context.js';

/** decision_log.json: one record per decision, written as soon as it is made. */
export class DecisionLog {
  private records: DecisionRecord[] = [];

  constructor(
    private readonly store: RunStore,
    private readonly events: LoopEvents,
  ) {}

  get all(): readonly DecisionRecord[] {
    return this.records;
  }

  load(): void {
    this.records = this.store.loadDecisions();
  }

  reset(): void {
    this.records = [];
    this.store.saveDecisions(this.records);
  }

  record(state: LoopState, at: Date, decision: NewDecision): void {
    const { fix, test } = decision;
    const record: DecisionRecord = {
      iteration: state.iteration,
      at: at.toISOString(),
      fixId: fix.id,
      fixName: fix.name,
      priority: fix.priority,
      rootCause: fix.rootCause,
      outcome: decision.outcome,
      next: decision.next,
      rationale: decision.rationale,
      rule: test?.rule,
      objectiveBefore:
        decision.objectiveBefore === undefined ? state.currentObjective : decision.objectiveBefore,
      objectiveAfter: decision.objectiveAfter ?? null,
      evidence:
        decision.evidence ??
        (test ? { ...test.evidence, indicators: test.indicators, window: test.window } : undefined),
    };
    // A decision repeated after a crash replaces its first record instead of adding a second one.
    const same = this.records.findIndex(
      (d) =>
        d.iteration === record.iteration &&
        d.fixId === record.fixId &&
        d.outcome === record.outcome &&
        record.outcome !== 'MONITOR',
    );
    if (same >= 0) this.records[same] = record;
    else this.records.push(record);
    this.store.saveDecisions(this.records);
    this.events.emit('decision', record);
  }
}
