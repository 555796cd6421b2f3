import { EventEmitter } from 'eventemitter3';
import type { ExitVerdict } from './exit-policy.js';
import type { PhaseKind } from './phase.js';
import type { Decision, Fix } from './schemas.js';
import type { LoopState } from './state.js';

export interface DecisionRecord {
  iteration: number;
  at: string;
  fixId: string;
  fixName?: string;
  outcome: Decision | 'APPLY_FAILED' | 'RESTORED' | 'DRY_RUN';
  next: string;
  rationale: string;
  rule?: string;
  objectiveBefore: number | null;
  objectiveAfter: number | null;
  evidence?: Record<string, unknown>;
}

export interface LoopEventMap {
  'run:start': [{ runId: string; outDir: string; resumed: boolean }];
  'run:end': [{ state: Readonly<LoopState> }];
  'iteration:start': [{ iteration: number }];
  'iteration:end': [{ iteration: number; objective: number | null }];
  'phase:start': [{ phase: PhaseKind | 'rollback' | 'recover'; iteration: number; fix?: Fix }];
  'phase:end': [{ phase: PhaseKind | 'rollback' | 'recover'; iteration: number; durationMs: number }];
  'phase:failure': [{ phase: PhaseKind | 'rollback' | 'recover'; iteration: number; error: Error }];
  'phase:progress': [{ phase: string; message: string; done?: number; total?: number }];
  measurement: [{ iteration: number; objective: number | null; metrics: Record<string, number> }];
  decision: [DecisionRecord];
  pause: [{ reason: string }];
  exit: [ExitVerdict];
  log: [{ level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: Record<string, unknown> }];
}

export class LoopEvents extends EventEmitter<LoopEventMap> {}
