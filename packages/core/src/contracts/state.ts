import { z } from 'zod';
import {
  AggregateResultSchema,
  AppliedFixSchema,
  DiagnosisSchema,
  FixSchema,
  ObjectiveSchema,
  TestResultSchema,
} from './schemas.js';

export const LoopStatusSchema = z.enum(['running', 'paused', 'finished', 'failed']);
export type LoopStatus = z.infer<typeof LoopStatusSchema>;

/** Where the loop stands: the next step to run, and what that step needs. */
export const CursorSchema = z.object({
  step: z.enum([
    'aggregate',
    'diagnose',
    'select',
    'pretest',
    'implement',
    'test',
    'decide',
    'iteration-end',
    'done',
  ]),
  fix: FixSchema.optional(),
  /** The test phase's measurement just before this fix was applied, when it takes one. */
  before: AggregateResultSchema.optional(),
  applied: AppliedFixSchema.optional(),
  test: TestResultSchema.optional(),
});
export type Cursor = z.infer<typeof CursorSchema>;

export const IterationRecordSchema = z.object({
  iteration: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  objectiveAtStart: z.number().nullable(),
  objective: z.number().nullable(),
  metrics: z.record(z.string(), z.number()),
  /** Improvement of this iteration's objective over the best one before it, in % (positive = better). */
  improvementPct: z.number().nullable(),
  fixesKept: z.array(z.string()),
  fixesRolledBack: z.array(z.string()),
  fixesFailed: z.array(z.string()),
});
export type IterationRecord = z.infer<typeof IterationRecordSchema>;

export const LoopStateSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  iteration: z.number().int().nonnegative(),
  status: LoopStatusSchema,
  exitCondition: z.string().nullable(),
  exitReason: z.string().nullable(),
  objective: ObjectiveSchema,
  baselineMetrics: z.record(z.string(), z.number()).nullable(),
  baselineObjective: z.number().nullable(),
  currentMetrics: z.record(z.string(), z.number()).nullable(),
  currentObjective: z.number().nullable(),
  bestObjective: z.number().nullable(),
  /** The latest measurement that reflects the system as it is now (diagnosis input, test "before"). */
  currentMeasurement: AggregateResultSchema.nullable(),
  baselineMeasurement: AggregateResultSchema.nullable(),
  /** When the system last changed (a kept fix's test window start, or a rollback's end). */
  systemChangedAt: z.string().nullable(),
  iterationHistory: z.array(IterationRecordSchema),
  diagnosis: DiagnosisSchema.nullable(),
  /** Fixes of the current diagnosis not yet attempted, in order. */
  pendingFixes: z.array(FixSchema),
  fixesAttempted: z.array(z.string()),
  fixesSuccessful: z.array(z.string()),
  fixesRolledBack: z.array(z.string()),
  fixesFailed: z.array(z.string()),
  /** Kept fixes in the order applied: what "restore the best known state" rolls back to. */
  keptFixes: z.array(AppliedFixSchema),
  /** The number of kept fixes at the best objective so far. */
  bestKeptCount: z.number().int().nonnegative(),
  monitorCount: z.number().int().nonnegative(),
  cursor: CursorSchema,
  /** Counters that exit policies persist across resume, keyed by policy name. */
  policyState: z.record(z.string(), z.unknown()),
  lastError: z.string().nullable(),
});
export type LoopState = z.infer<typeof LoopStateSchema>;
