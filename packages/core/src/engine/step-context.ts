import type { DecisionRecord, LoopEvents } from '../contracts/events.js';
import type { ExitCheckpoint, ExitPolicy, ExitVerdict } from '../contracts/exit-policy.js';
import type { Logger } from '../contracts/logger.js';
import type { PhaseSet } from '../contracts/phase.js';
import type {
  AggregateResult,
  AppliedFix,
  Fix,
  Objective,
  Priority,
  TestResult,
} from '../contracts/schemas.js';
import type { Cursor, IterationRecord, LoopState } from '../contracts/state.js';
import { RatchetError } from '../errors/ratchet-error.js';
import { evaluatePolicies } from '../policies/builtin.js';
import type { RunStore } from '../state/run-store.js';
import { objectiveValue } from './objective.js';
import type { PhaseRunner } from './phase-runner.js';

export interface EngineOptions {
  store: RunStore;
  objective: Objective;
  /** The lowest priority applied. */
  priority: Priority;
  /** Below this many units of the objective's denominator a measurement is too thin to act on. */
  minSamples: number;
  /** Inconclusive retests of one fix before it is rolled back. */
  maxMonitor: number;
  stopFile: string;
  /** Asked for by a new run; a resumed run keeps what its state recorded. */
  dryRun?: boolean;
  /** Called between iterations (`--step`). */
  beforeIteration?: (iteration: number) => Promise<void>;
  now?: () => Date;
  /** Set by the first Ctrl+C / SIGTERM or a closed stdout: stop at the next phase boundary. */
  stopRequested?: () => boolean;
  /** Aborted by the second Ctrl+C: phases abandon their work. */
  signal?: AbortSignal;
  /**
   * Asks the user whether to apply a fix, before any work for it (the pretest included), showing
   * the implement phase's preview when it gives one. False: the fix is DECLINED.
   */
  approveFix?: (fix: Fix, preview: AppliedFix | undefined) => Promise<boolean>;
  /** Written to run_config.json once a new run is accepted (never over a run it refuses). */
  runConfig?: unknown;
}

/** What every step gets: the state it edits and the services it uses. */
export interface StepContext {
  readonly state: LoopState;
  readonly options: EngineOptions;
  readonly phases: PhaseSet;
  readonly policies: ExitPolicy[];
  readonly runner: PhaseRunner;
  readonly store: RunStore;
  readonly log: Logger;
  readonly events: LoopEvents;
  now(): Date;
  save(): void;
  recordDecision(decision: NewDecision): void;
  decisions(): readonly DecisionRecord[];
}

export interface NewDecision {
  fix: Fix;
  outcome: DecisionRecord['outcome'];
  next: string;
  rationale: string;
  test?: TestResult;
  evidence?: Record<string, unknown>;
  objectiveBefore?: number | null;
  objectiveAfter?: number | null;
}

export type Step = (ctx: StepContext, cursor: Cursor) => Promise<Cursor>;

export function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) {
    throw new RatchetError('STATE_INVALID', `the run state has no ${what} where the loop needs one`);
  }
  return value;
}

export function checkExit(ctx: StepContext, checkpoint: ExitCheckpoint): ExitVerdict | undefined {
  return evaluatePolicies(ctx.policies, ctx.state, checkpoint, ctx.now());
}

export function setCurrent(ctx: StepContext, measurement: AggregateResult): void {
  ctx.state.currentMeasurement = measurement;
  ctx.state.currentMetrics = measurement.metrics;
  ctx.state.currentObjective = objectiveValue(ctx.options.objective, measurement.metrics).value;
}

export function isBest(ctx: StepContext, value: number | null): boolean {
  if (value === null) return false;
  const best = ctx.state.bestObjective;
  if (best === null) return true;
  return ctx.options.objective.direction === 'higher' ? value >= best : value <= best;
}

export function currentRecord(state: LoopState): IterationRecord | undefined {
  return state.iterationHistory.find((r) => r.iteration === state.iteration);
}
