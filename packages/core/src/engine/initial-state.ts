import { randomUUID } from 'node:crypto';
import type { Objective } from '../contracts/schemas.js';
import { type LoopState, STATE_VERSION } from '../contracts/state.js';

export function initialState(objective: Objective, now: Date, dryRun = false): LoopState {
  const at = now.toISOString();
  return {
    version: STATE_VERSION,
    runId: randomUUID(),
    startedAt: at,
    updatedAt: at,
    iteration: 1,
    status: 'running',
    exitCondition: null,
    exitReason: null,
    objective,
    dryRun,
    baselineMetrics: null,
    baselineObjective: null,
    currentMetrics: null,
    currentObjective: null,
    bestObjective: null,
    currentMeasurement: null,
    baselineMeasurement: null,
    systemChangedAt: null,
    iterationHistory: [],
    diagnosis: null,
    queue: [],
    ledger: {},
    bestKeptSeq: 0,
    cursor: { step: 'aggregate' },
    policyState: {},
    lastError: null,
  };
}
