import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AggregatePhase,
  type AggregateResult,
  initialState,
  LoopEvents,
  type Objective,
  objectiveValue,
  type PhaseContext,
  silentLogger,
} from '@ratchet/core';

export interface Measurement {
  result: AggregateResult;
  objective: number | null;
}

/** Runs the aggregate phase once over its baseline window, as the run's first step would. */
export async function measureOnce(aggregate: AggregatePhase, objective: Objective): Promise<Measurement> {
  // The phase writes its reports into runDir: a scratch folder, removed after.
  const runDir = mkdtempSync(join(tmpdir(), 'ratchet-validate-'));
  const ctx: PhaseContext = {
    iteration: 0,
    runDir,
    outDir: runDir,
    signal: new AbortController().signal,
    log: silentLogger,
    events: new LoopEvents(),
    state: initialState(objective, new Date()),
    measure: async () => {
      throw new Error('validate measures only once');
    },
    progress: () => {},
  };
  try {
    const result = await aggregate.run({ purpose: 'baseline' }, ctx);
    return { result, objective: objectiveValue(objective, result.metrics).value };
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}
