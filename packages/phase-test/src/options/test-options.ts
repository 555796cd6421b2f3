import { RatchetError } from '@ratchet/core';
import { z } from 'zod';
import { DEFAULT_JUDGE_SETTINGS, type JudgeSettings } from '../judge/judge.js';

const positive = z.number().int().positive();

export const PlexRefreshSchema = z
  .object({
    kind: z.literal('plex'),
    url: z.string().min(1).describe('The server, e.g. http://127.0.0.1:32400'),
    token: z
      .string()
      .optional()
      .describe('Default: the PLEX_TOKEN environment variable. Never written anywhere.'),
    preferences: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The server's Preferences.xml: without a token or PLEX_TOKEN, its PlexOnlineToken is read at run time (in memory only)",
      ),
    items: positive
      .default(20)
      .describe('Items refreshed per round after the fix; the measurement before it covers judge.maxItems'),
    concurrency: positive.default(4),
    timeoutMs: positive.default(300_000).describe('How long to wait for the refreshes to finish'),
    sections: z.array(z.string().min(1)).optional().describe('Library section keys or titles to sample from'),
    pollIntervalMs: positive.default(1000),
    settleMs: z.number().int().nonnegative().default(2000),
    notifications: z.boolean().default(true).describe('Also listen on the notifications websocket'),
    requestTimeoutMs: positive.default(15_000),
    retries: z.number().int().nonnegative().default(4),
    /** Wait this long after the last refresh so the agent's last log lines are written. */
    afterMs: z.number().int().nonnegative().default(1000),
    seed: z
      .union([z.string(), z.number()])
      .optional()
      .describe('Seed of the control sample; default: fix id + iteration'),
  })
  .strict();

export const CommandRefreshSchema = z
  .object({
    kind: z.literal('command'),
    command: z.array(z.string().min(1)).min(1).describe('argv, run without a shell'),
    timeoutMs: positive.default(600_000),
    cwd: z.string().optional(),
  })
  .strict();

export const WaitRefreshSchema = z
  .object({ kind: z.literal('wait'), durationMs: z.number().int().nonnegative() })
  .strict();

export const RefreshOptionsSchema = z.discriminatedUnion('kind', [
  PlexRefreshSchema,
  CommandRefreshSchema,
  WaitRefreshSchema,
]);

export const JudgeOptionsSchema = z
  .object({
    alpha: z.number().gt(0).lt(1).optional(),
    minSamples: z.number().int().nonnegative().optional(),
    minEffectPct: z.number().nonnegative().optional(),
    criticalMetrics: z.array(z.string().min(1)).optional(),
    maxItems: positive.optional(),
    maxRounds: positive.optional(),
    maxWait: z.number().int().nonnegative().optional(),
  })
  .loose();

export const TestPhaseOptionsSchema = z
  .object({
    refresh: RefreshOptionsSchema,
    judge: JudgeOptionsSchema.optional(),
  })
  .strict();

export type TestPhaseOptions = z.infer<typeof TestPhaseOptionsSchema>;
export type TestPhaseOptionsInput = z.input<typeof TestPhaseOptionsSchema>;
export type PlexRefreshOptions = z.infer<typeof PlexRefreshSchema>;
export type CommandRefreshOptions = z.infer<typeof CommandRefreshSchema>;
export type WaitRefreshOptions = z.infer<typeof WaitRefreshSchema>;
export type RefreshOptions = z.infer<typeof RefreshOptionsSchema>;

/** Validates the `with:` object; errors name the dot path of the bad key. */
export function parseTestPhaseOptions(options: unknown): TestPhaseOptions {
  const result = TestPhaseOptionsSchema.safeParse(options ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : '(options)';
  throw new RatchetError('PHASE_OPTIONS_INVALID', `test: ${path}: ${issue?.message ?? 'invalid options'}`, {
    hint: "The test phase needs `refresh: { kind: 'plex', url } | { kind: 'command', command: [...] } | { kind: 'wait', durationMs }`.",
  });
}

/** Judge settings: the phase's own options win over the config's `judge:` section, then defaults. */
export function resolveJudgeSettings(own: TestPhaseOptions['judge'], fromConfig: unknown): JudgeSettings {
  const config = JudgeOptionsSchema.safeParse(fromConfig ?? {});
  const shared = config.success ? config.data : {};
  return {
    alpha: own?.alpha ?? shared.alpha ?? DEFAULT_JUDGE_SETTINGS.alpha,
    minSamples: own?.minSamples ?? shared.minSamples ?? DEFAULT_JUDGE_SETTINGS.minSamples,
    minEffectPct: own?.minEffectPct ?? shared.minEffectPct ?? DEFAULT_JUDGE_SETTINGS.minEffectPct,
    criticalMetrics: own?.criticalMetrics ?? shared.criticalMetrics ?? DEFAULT_JUDGE_SETTINGS.criticalMetrics,
    maxItems: own?.maxItems ?? shared.maxItems ?? DEFAULT_JUDGE_SETTINGS.maxItems,
    maxRounds: own?.maxRounds ?? shared.maxRounds ?? DEFAULT_JUDGE_SETTINGS.maxRounds,
    maxWait: own?.maxWait ?? shared.maxWait ?? DEFAULT_JUDGE_SETTINGS.maxWait,
  };
}
