import { z } from 'zod';
import {
  AggregateResultSchema,
  AppliedFixSchema,
  DiagnosisSchema,
  FixSchema,
  ObjectiveSchema,
  TestResultSchema,
} from './schemas.js';

export const LoopStatusSchema = z.enum(['running', 'paused', 'finished', 'failed', 'abandoned']);
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
});
export type IterationRecord = z.infer<typeof IterationRecordSchema>;

/** An iteration with the fixes tried in it, derived from the ledger (reports read it). */
export const IterationViewSchema = IterationRecordSchema.extend({
  fixesKept: z.array(z.string()),
  fixesRolledBack: z.array(z.string()),
  fixesFailed: z.array(z.string()),
});
export type IterationView = z.infer<typeof IterationViewSchema>;

/**
 * Where one fix stands. `applying` means the implement phase was started and did not come back
 * (a crash, an interrupt): the system may hold part of the fix. `rollback_failed` means undoing it
 * failed: the system may still hold it.
 */
export const FixStatusSchema = z.enum([
  'applying',
  'testing',
  'kept',
  'rolled_back',
  'failed',
  'restored',
  'dry_run',
  'rollback_failed',
  /** The user said no when asked; nothing was changed. */
  'declined',
  /** The fix's actions would change nothing: it is already in place. */
  'already_applied',
]);
export type FixStatus = z.infer<typeof FixStatusSchema>;

export const LedgerEntrySchema = z.object({
  fix: FixSchema,
  status: FixStatusSchema,
  /** The iteration the fix was applied in. */
  iteration: z.number().int(),
  /** How many times the implement phase was started for it (more than 1 after a crash). */
  attempts: z.number().int().nonnegative(),
  /** What the implement phase reported it changed. */
  applied: AppliedFixSchema.optional(),
  /** The inconclusive (MONITOR) test results so far, oldest first. */
  inconclusive: z.array(TestResultSchema),
  /** The order among kept fixes (1 = kept first); restoring the best state undoes the higher ones. */
  keptSeq: z.number().int().positive().optional(),
  error: z.string().optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const STATE_VERSION = 2;

export const LoopStateSchema = z.object({
  version: z.literal(STATE_VERSION),
  runId: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  iteration: z.number().int().nonnegative(),
  status: LoopStatusSchema,
  exitCondition: z.string().nullable(),
  exitReason: z.string().nullable(),
  objective: ObjectiveSchema,
  /** A dry run never changes the system, also when resumed. */
  dryRun: z.boolean(),
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
  /** Fixes of the current diagnosis still to try, in order (never one in the ledger). */
  queue: z.array(FixSchema),
  /** Every fix tried in this run, by id: the one place a fix's status lives. */
  ledger: z.record(z.string(), LedgerEntrySchema),
  /** The keptSeq of the last kept fix when the objective was at its best (0: the baseline). */
  bestKeptSeq: z.number().int().nonnegative(),
  cursor: CursorSchema,
  /** Counters that exit policies persist across resume, keyed by policy name. */
  policyState: z.record(z.string(), z.unknown()),
  lastError: z.string().nullable(),
});
export type LoopState = z.infer<typeof LoopStateSchema>;

/** The classic per-status lists of fix ids, derived from the ledger (never stored). */
export interface FixViews {
  fixesAttempted: string[];
  /** Kept fixes, in the order kept. */
  fixesSuccessful: string[];
  /** Rolled back after a test, or undone to restore the best known state. */
  fixesRolledBack: string[];
  /** Could not be applied (and were rolled back). */
  fixesFailed: string[];
}

/** The state with its derived fix lists: what exit policies are given. */
export type LoopStateView = LoopState & FixViews;
