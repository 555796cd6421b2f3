import { z } from 'zod';

// Every value that crosses a phase boundary is plain JSON described here, so that a phase can be a
// TypeScript class or a subprocess in any language and be validated the same way.

export const IsoTimestampSchema = z.string().min(1).describe('An ISO 8601 timestamp');

export const TimeWindowSchema = z
  .object({
    start: IsoTimestampSchema.optional().describe('Inclusive start; absent means "from the beginning"'),
    end: IsoTimestampSchema.optional().describe('Exclusive end; absent means "until now"'),
  })
  .describe('A time window for a measurement');
export type TimeWindow = z.infer<typeof TimeWindowSchema>;

export const RateSchema = z.object({
  value: z.number().describe('numerator / denominator (NaN-free: 0 when the denominator is 0)'),
  numerator: z.number(),
  denominator: z.number(),
  low: z.number().optional().describe('95% interval, lower bound'),
  high: z.number().optional().describe('95% interval, upper bound'),
  /** Wilson for a share of records (a proportion); Garwood (exact Poisson) for a count per exposure. */
  interval: z.enum(['wilson', 'garwood']).optional(),
});
export type Rate = z.infer<typeof RateSchema>;

export const ErrorTypeSchema = z
  .looseObject({
    id: z.string().min(1),
    count: z.number().int().nonnegative(),
    category: z.string().optional(),
    template: z.string().optional().describe('The message template, variable parts as <*>'),
    level: z.string().optional(),
    firstSeen: z.string().optional(),
    lastSeen: z.string().optional(),
    examples: z.array(z.string()).optional().describe('Up to 3 example records, verbatim'),
    files: z.array(z.string()).optional(),
    agents: z.array(z.string()).optional(),
    exceptionType: z.string().optional(),
    exceptionMessage: z.string().optional(),
    httpStatus: z.number().int().optional(),
    host: z.string().optional(),
    items: z.array(z.string()).optional().describe('Item identifiers (ids, guids, titles) the records name'),
  })
  .describe('A kind of error seen in the logs, with its count in the window');
export type ErrorType = z.infer<typeof ErrorTypeSchema>;

export const ItemOutcomeSchema = z
  .object({
    item: z.string().min(1),
    ok: z.boolean(),
    detail: z.string().optional(),
  })
  .describe('Per-item success, for paired before/after tests');
export type ItemOutcome = z.infer<typeof ItemOutcomeSchema>;

export const AggregateResultSchema = z
  .looseObject({
    window: TimeWindowSchema.optional(),
    files: z.array(z.looseObject({ path: z.string() })).optional(),
    metrics: z.record(z.string(), z.number()),
    rates: z.record(z.string(), RateSchema).optional(),
    errorTypes: z.array(ErrorTypeSchema).default([]),
    items: z.array(ItemOutcomeSchema).optional(),
    problems: z
      .array(z.looseObject({ file: z.string().optional(), kind: z.string(), message: z.string() }))
      .optional()
      .describe('Inputs that could not be read fully: unreadable files, truncated archives, ...'),
  })
  .describe('The output of the aggregate phase: one measurement of the system');
export type AggregateResult = z.infer<typeof AggregateResultSchema>;

export const PrioritySchema = z.enum(['HIGH', 'MEDIUM', 'LOW']);
export type Priority = z.infer<typeof PrioritySchema>;
export const PRIORITY_RANK: Record<Priority, number> = { HIGH: 3, MEDIUM: 2, LOW: 1 };

// Core only requires an action to say what type it is; the implement phase validates the shape of
// the types it knows (edit, patch, set-pref, json-set, delete, command, restart). A custom implement
// phase may accept types of its own.
export const FixActionSchema = z.looseObject({ type: z.string().min(1) });
export type FixAction = z.infer<typeof FixActionSchema>;

export const ExpectedImprovementSchema = z.object({
  value: z.number().describe('A fraction between 0 and 1 of the targeted errors this fix may remove'),
  basis: z.string().describe('How the number was obtained, in words'),
});

export const FixSchema = z
  .looseObject({
    id: z.string().min(1),
    name: z.string().optional(),
    priority: PrioritySchema,
    rootCause: z.string().optional(),
    targets: z.array(z.string()).default([]).describe('Ids of the error types this fix addresses'),
    expectedImprovement: ExpectedImprovementSchema.optional(),
    alternativeOf: z.string().optional().describe('Id of the fix this one is another way of doing'),
    actions: z.array(FixActionSchema).default([]),
    confidence: z.number().min(0).max(1).optional(),
    impact: z.number().optional(),
  })
  .describe('One change that may improve the system');
export type Fix = z.infer<typeof FixSchema>;

export const RecommendationSchema = z.looseObject({
  title: z.string(),
  detail: z.string().optional(),
  targets: z.array(z.string()).optional(),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const DiagnosisSchema = z
  .looseObject({
    mode: z.enum(['full', 'focused']).optional(),
    errorTypes: z.array(z.looseObject({ id: z.string() })).optional(),
    fixes: z.array(FixSchema).default([]),
    recommendations: z.array(RecommendationSchema).optional(),
    needsResearch: z.array(z.looseObject({ id: z.string() })).optional(),
    comparison: z
      .object({ resolved: z.array(z.string()), persisting: z.array(z.string()), new: z.array(z.string()) })
      .optional(),
  })
  .describe('The output of the diagnose phase: root causes and ranked fixes');
export type Diagnosis = z.infer<typeof DiagnosisSchema>;

export const ChangeSchema = z.looseObject({
  action: z.string().describe('The action type that made this change'),
  path: z.string().optional(),
  description: z.string().optional(),
  hashBefore: z.string().nullable().optional(),
  hashAfter: z.string().nullable().optional(),
});
export type Change = z.infer<typeof ChangeSchema>;

export const AppliedFixSchema = z
  .looseObject({
    fixId: z.string().min(1),
    changes: z.array(ChangeSchema).default([]),
    backups: z.string().optional().describe('Folder holding the backups and their manifest'),
    restarted: z.boolean().optional(),
    durationMs: z.number().optional(),
    dryRun: z.boolean().optional(),
  })
  .describe('The output of the implement phase: what one fix changed');
export type AppliedFix = z.infer<typeof AppliedFixSchema>;

export const DecisionSchema = z.enum(['KEEP', 'ROLLBACK', 'MONITOR', 'MODIFY']);
export type Decision = z.infer<typeof DecisionSchema>;

export const TestResultSchema = z
  .looseObject({
    decision: DecisionSchema,
    rationale: z.string().default(''),
    rule: z.string().optional().describe('The name of the judge rule that fired'),
    before: z.record(z.string(), z.number()).optional(),
    after: AggregateResultSchema.optional().describe('The fresh measurement'),
    window: TimeWindowSchema.optional(),
    evidence: z.record(z.string(), z.unknown()).optional(),
    indicators: z
      .object({ met: z.number().int(), total: z.number().int(), items: z.array(z.string()).optional() })
      .optional(),
  })
  .describe('The output of the test phase: a decision with its evidence');
export type TestResult = z.infer<typeof TestResultSchema>;

export const ObjectiveSchema = z
  .object({
    metric: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('The metric to improve, e.g. "urlErrors", or a list of metrics whose sum is improved'),
    per: z.string().optional().describe('Divide by this metric to get a rate, e.g. "searchOps"'),
    direction: z.enum(['lower', 'higher']).default('lower'),
  })
  .describe('What the loop improves: a metric, usually as a rate per another metric');
export type Objective = z.infer<typeof ObjectiveSchema>;

// Inputs given to each phase.
export const AggregateInputSchema = z.object({
  window: TimeWindowSchema.optional(),
  purpose: z.enum(['baseline', 'measure', 'test']).describe('Why the engine asks for this measurement'),
});
export type AggregateInput = z.infer<typeof AggregateInputSchema>;

export const DiagnoseInputSchema = z.object({
  aggregate: AggregateResultSchema,
  mode: z.enum(['full', 'focused']),
  previous: DiagnosisSchema.optional(),
  attemptedFixIds: z.array(z.string()),
  rolledBackFixIds: z.array(z.string()),
});
export type DiagnoseInput = z.infer<typeof DiagnoseInputSchema>;

export const ImplementInputSchema = z.object({ fix: FixSchema, dryRun: z.boolean().optional() });
export type ImplementInput = z.infer<typeof ImplementInputSchema>;

export const TestInputSchema = z.object({
  fix: FixSchema,
  applied: AppliedFixSchema,
  before: AggregateResultSchema.describe('The latest measurement before the fix'),
  baseline: AggregateResultSchema,
  objective: ObjectiveSchema,
  previous: z
    .array(TestResultSchema)
    .optional()
    .describe('The earlier inconclusive (MONITOR) results of this fix, oldest first: a retest can pool them'),
});
export type TestInput = z.infer<typeof TestInputSchema>;
