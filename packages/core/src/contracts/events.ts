import { EventEmitter } from 'eventemitter3';
import { z } from 'zod';
import type { ExitVerdict } from './exit-policy.js';
import type { PhaseKind } from './phase.js';
import { DecisionSchema, type Fix, PrioritySchema } from './schemas.js';
import type { LoopState } from './state.js';

// decision_log.json is read back from disk (`ratchet report`, resume), so its records have a schema.
export const DecisionRecordSchema = z.looseObject({
  iteration: z.number().int(),
  at: z.string(),
  fixId: z.string(),
  fixName: z.string().optional(),
  priority: PrioritySchema.optional(),
  rootCause: z.string().optional(),
  outcome: z.union([
    DecisionSchema,
    z.enum(['APPLY_FAILED', 'RESTORED', 'DRY_RUN', 'DECLINED', 'ALREADY_APPLIED']),
  ]),
  next: z.string().describe('What the loop does next, in words'),
  rationale: z.string(),
  rule: z.string().optional(),
  objectiveBefore: z.number().nullable(),
  objectiveAfter: z.number().nullable(),
  evidence: z.record(z.string(), z.unknown()).optional(),
});
export type DecisionRecord = z.infer<typeof DecisionRecordSchema>;

export interface LoopEventMap {
  'run:start': [{ runId: string; outDir: string; resumed: boolean }];
  'run:end': [{ state: Readonly<LoopState> }];
  'iteration:start': [{ iteration: number }];
  'iteration:end': [{ iteration: number; objective: number | null }];
  'phase:start': [
    { phase: PhaseKind | 'pretest' | 'preview' | 'rollback' | 'recover'; iteration: number; fix?: Fix },
  ];
  'phase:end': [
    {
      phase: PhaseKind | 'pretest' | 'preview' | 'rollback' | 'recover';
      iteration: number;
      durationMs: number;
    },
  ];
  'phase:failure': [
    { phase: PhaseKind | 'pretest' | 'preview' | 'rollback' | 'recover'; iteration: number; error: Error },
  ];
  'phase:progress': [{ phase: string; message: string; done?: number; total?: number }];
  measurement: [{ iteration: number; objective: number | null; metrics: Record<string, number> }];
  decision: [DecisionRecord];
  pause: [{ reason: string }];
  exit: [ExitVerdict];
  log: [{ level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: Record<string, unknown> }];
}

export class LoopEvents extends EventEmitter<LoopEventMap> {}
