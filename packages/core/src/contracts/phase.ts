import type { LoopEvents } from './events.js';
import type { Logger } from './logger.js';
import type {
  AggregateInput,
  AggregateResult,
  AppliedFix,
  DiagnoseInput,
  Diagnosis,
  Fix,
  ImplementInput,
  Objective,
  TestInput,
  TestResult,
  TimeWindow,
} from './schemas.js';
import type { LoopState } from './state.js';

export type PhaseKind = 'aggregate' | 'diagnose' | 'implement' | 'test';

export interface PhaseContext {
  readonly iteration: number;
  /** The folder where this iteration writes its files (iterations/NN/). */
  readonly runDir: string;
  /** The run's output folder (.ratchet/ by default). */
  readonly outDir: string;
  /** Aborted on Ctrl+C (second press), SIGTERM or a deadline: finish or abandon cleanly. */
  readonly signal: AbortSignal;
  /**
   * Optional, for engines that provide it: aborted soon after any stop request (the first Ctrl+C,
   * SIGTERM, the STOP file). Work that changes nothing (a measurement) may abandon at once by
   * throwing INTERRUPTED; work that changes the system finishes its step.
   */
  readonly stopSignal?: AbortSignal;
  readonly log: Logger;
  readonly events: LoopEvents;
  readonly state: Readonly<LoopState>;
  /** Runs the configured aggregate phase on a window: how the test phase re-measures. */
  measure(window: TimeWindow): Promise<AggregateResult>;
  /** Report progress of long work (shown by the CLI). */
  progress(message: string, done?: number, total?: number): void;
}

export interface Phase<I, O> {
  readonly name: string;
  run(input: I, ctx: PhaseContext): Promise<O>;
}

export interface AggregatePhase extends Phase<AggregateInput, AggregateResult> {
  /**
   * Optional: the names of the metrics this phase produces, so that `ratchet validate` (and the run,
   * before it starts) can refuse an objective or critical metric that names none of them.
   */
  declaredMetrics?(): readonly string[] | Promise<readonly string[]>;
}
export type DiagnosePhase = Phase<DiagnoseInput, Diagnosis>;
export interface TestPhase extends Phase<TestInput, TestResult> {
  /**
   * Optional: measure, just before the fix is applied, exactly what the test will measure after it
   * (the same items, the same kind of window). The engine passes the result to `run` as
   * `input.before`, so the judge compares like with like (a paired test) instead of two samples.
   */
  measureBefore?(
    input: { fix: Fix; before: AggregateResult; baseline: AggregateResult; objective: Objective },
    ctx: PhaseContext,
  ): Promise<AggregateResult>;
}

export interface ImplementPhase extends Phase<ImplementInput, AppliedFix> {
  /**
   * Undo an applied fix exactly. Without `recover`, also called after a failed apply, with the
   * partial result the apply left (`partial: true`, at least `fixId` and `changes`).
   */
  rollback(applied: AppliedFix, ctx: PhaseContext): Promise<void>;
  /**
   * Called after an apply that failed (threw, or returned an invalid result), and on resume when a
   * run was killed while this fix was being applied: restore whatever the apply touched (from its
   * backups) so the loop can go on from a clean state. A throw stops the run (ROLLBACK_FAILED).
   */
  recover?(fix: Fix, ctx: PhaseContext, info?: RecoverInfo): Promise<void>;
  /**
   * What applying the fix would change, without changing or writing anything (each change may carry
   * a `diff`). The engine shows it before asking for approval, and skips a fix that would change
   * nothing (ALREADY_APPLIED).
   */
  preview?(fix: Fix, ctx: PhaseContext): Promise<AppliedFix>;
}

export interface RecoverInfo {
  reason: 'apply-failed' | 'interrupted';
  /** What the failed apply returned, when it returned anything (unvalidated). */
  partial?: unknown;
}

export interface PhaseSet {
  aggregate: AggregatePhase;
  diagnose: DiagnosePhase;
  implement: ImplementPhase;
  test: TestPhase;
}
