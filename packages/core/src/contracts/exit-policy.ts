import type { LoopStateView } from './state.js';

export interface ExitVerdict {
  /** A stable name, e.g. 'plateau_detected'; stored as the state's exitCondition. */
  condition: string;
  reason: string;
  /** Roll back kept fixes until the best known state is restored before stopping. */
  restoreBest?: boolean;
}

/** When the engine consults the policy: after a decision, or at the end of an iteration. */
export type ExitCheckpoint = 'decision' | 'iteration-end' | 'no-fixes';

export interface ExitPolicyContext {
  checkpoint: ExitCheckpoint;
  /** Mutable per-policy storage, persisted in loop_state.json across resume. */
  memory: Record<string, unknown>;
  now: Date;
}

export interface ExitPolicy {
  readonly name: string;
  evaluate(state: Readonly<LoopStateView>, ctx: ExitPolicyContext): ExitVerdict | undefined;
}
