import { z } from 'zod';
import { ObjectiveSchema, PrioritySchema } from '../contracts/schemas.js';

const DurationSchema = z
  .union([
    z.number().int().positive(),
    z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration like "30s", "5m", "2h"'),
  ])
  .describe('Milliseconds, or a duration string such as "30s", "5m", "2h"');

export const ModulePhaseSchema = z
  .object({
    use: z
      .string()
      .min(1)
      .describe("An npm package ('@ratchet/phase-aggregate') or a local module ('./my-phase.ts')"),
    with: z.record(z.string(), z.unknown()).default({}).describe('Options given to the phase'),
  })
  .strict();

export const CommandPhaseSchema = z
  .object({
    command: z
      .array(z.string())
      .min(1)
      .describe(
        'argv of a subprocess phase; {input}, {output} and {runDir} are replaced. Never run through a shell',
      ),
    timeout: DurationSchema.optional().describe('How long the command may run (default 10 minutes)'),
    killGrace: DurationSchema.optional().describe(
      'After a timeout or Ctrl+C: time between SIGTERM and SIGKILL (default 5s)',
    ),
    maxOutputBytes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Largest result accepted (default 64 MiB)'),
    env: z.record(z.string(), z.string()).optional().describe('Added to the environment of the command'),
    cwd: z.string().optional().describe('Working folder (default: the config folder)'),
    with: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Options passed to the subprocess in its input file'),
  })
  .strict();

export const PhaseRefSchema = z.union([ModulePhaseSchema, CommandPhaseSchema]);
export type PhaseRef = z.infer<typeof PhaseRefSchema>;

/** An aggregate command also says which metrics it writes, so that metric names can be checked. */
export const AggregatePhaseRefSchema = z.union([
  ModulePhaseSchema,
  CommandPhaseSchema.extend({
    metrics: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'The metric names this command writes; `ratchet validate` checks objective.metric, objective.per and judge.criticalMetrics against them',
      ),
  }).strict(),
]);

const ModuleRefSchema = z
  .object({ use: z.string().min(1), with: z.record(z.string(), z.unknown()).default({}) })
  .strict();

export const ExitConfigSchema = z
  .object({
    maxIterations: z.number().int().positive().default(10),
    noMoreFixes: z
      .boolean()
      .default(true)
      .describe('Stop when a fresh diagnosis proposes no fix left to try'),
    plateau: z
      .union([
        z.literal(false),
        z
          .object({
            minImprovementPct: z.number().nonnegative().default(5),
            iterations: z.number().int().positive().default(2),
            mode: z.enum(['relative', 'absolute']).default('relative'),
          })
          .strict(),
      ])
      .default({ minImprovementPct: 5, iterations: 2, mode: 'relative' }),
    target: z
      .object({
        improvementPct: z
          .number()
          .positive()
          .optional()
          .describe('Stop once the objective improved this much over the baseline'),
        value: z.number().optional().describe('Stop once the objective reaches this value'),
      })
      .strict()
      .optional(),
    regression: z
      .union([
        z.literal(false),
        z
          .object({
            tolerancePct: z.number().nonnegative().default(10),
            restoreBest: z.boolean().default(true),
          })
          .strict(),
      ])
      .default({ tolerancePct: 10, restoreBest: true }),
    deadline: z
      .union([DurationSchema, z.iso.datetime({ offset: true })])
      .optional()
      .describe('Wall-clock limit: a duration from the start of the run, or an ISO time'),
    stopFile: z
      .string()
      .default('STOP')
      .describe('A file in the output folder whose presence stops the loop'),
    custom: z.array(ModuleRefSchema).default([]).describe('Exit policies from modules'),
  })
  .strict();

export const JudgeConfigSchema = z
  .object({
    alpha: z.number().gt(0).lt(1).default(0.05),
    minSamples: z.number().int().nonnegative().default(20),
    minEffectPct: z.number().nonnegative().default(10),
    maxMonitor: z
      .number()
      .int()
      .nonnegative()
      .default(3)
      .describe('Inconclusive retests of one fix before it is rolled back'),
    criticalMetrics: z.array(z.string()).default([]),
    maxItems: z
      .number()
      .int()
      .positive()
      .default(160)
      .describe('Items the test of one fix may refresh after it, over all its rounds and retests'),
    maxRounds: z
      .number()
      .int()
      .positive()
      .default(8)
      .describe('Refresh rounds or count windows the test of one fix may run before it answers MONITOR'),
    maxWait: z
      .number()
      .int()
      .nonnegative()
      .default(3_600_000)
      .describe('Milliseconds the count test of one fix (refresh kind wait) may wait for traffic in all'),
  })
  .strict();

export const RatchetConfigSchema = z
  .object({
    $schema: z.string().optional(),
    objective: ObjectiveSchema,
    phases: z
      .object({
        aggregate: AggregatePhaseRefSchema,
        diagnose: PhaseRefSchema,
        implement: PhaseRefSchema,
        test: PhaseRefSchema,
      })
      .strict(),
    exit: ExitConfigSchema.default(ExitConfigSchema.parse({})),
    judge: JudgeConfigSchema.default(JudgeConfigSchema.parse({})),
    priority: PrioritySchema.default('HIGH').describe('The lowest fix priority the loop applies'),
    outDir: z.string().default('.ratchet'),
    secrets: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'))
      .default([])
      .describe(
        'Environment variables whose values are secrets: redacted (plain, URL-encoded, base64) from every file and output. PLEX_TOKEN always is',
      ),
  })
  .strict();

export type RatchetConfig = z.infer<typeof RatchetConfigSchema>;
export type RatchetConfigInput = z.input<typeof RatchetConfigSchema>;
export type ExitConfig = z.infer<typeof ExitConfigSchema>;
export type JudgeConfig = z.infer<typeof JudgeConfigSchema>;

/** Identity with types: `export default defineConfig({...})` gets completion and checks. */
export function defineConfig(config: RatchetConfigInput): RatchetConfigInput;
export function defineConfig(
  config: () => RatchetConfigInput | Promise<RatchetConfigInput>,
): () => RatchetConfigInput | Promise<RatchetConfigInput>;
export function defineConfig(config: unknown): unknown {
  return config;
}

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(RatchetConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * (UNITS[match[2] as string] ?? 1);
}
