import { RatchetError } from '@ratchet/core';
import { z } from 'zod';
import type { FaultPlanInput } from '../fault-plan.js';

const finiteAtLeast = (minimum: number) =>
  z.number().refine((value) => Number.isFinite(value) && value >= minimum, {
    message: `expected a number >= ${minimum}`,
  });

/** What `createSimulator` accepts; checked with zod, a bad value is refused with its key. */
export const SimulatorOptionsSchema = z
  .object({
    /** The server data folder; laid out and seeded when empty or new, reused as is otherwise. */
    dataDir: z.string().min(1),
    /** 0 (the default) picks a free port. */
    port: z
      .number()
      .refine((value) => Number.isInteger(value) && value >= 0 && value <= 65_535, {
        message: 'expected an integer from 0 to 65535',
      })
      .default(0),
    host: z.literal('127.0.0.1', { message: 'only 127.0.0.1 is supported' }).default('127.0.0.1'),
    /** Defaults to a random token; read it back from the returned handle. */
    token: z.string().regex(/^\S+$/, 'must be non-empty and contain no spaces').optional(),
    seed: z.number().int().optional(),
    items: z.number().int().optional(),
    /** Simulated waits (latency, request interval, backoff) are multiplied by this. */
    timeScale: finiteAtLeast(0).default(0.02),
    /** How long the agent is down during a restart, in ms. */
    restartMs: finiteAtLeast(0).default(300),
    /** Refreshes processed at once. */
    workers: finiteAtLeast(1)
      .refine((value) => Number.isInteger(value), { message: 'expected an integer' })
      .default(4),
    /** Random faults and a fault plan (docs/plex-sim.md, "Faults"); checked by parseFaultPlan. */
    faults: z.unknown().optional(),
  })
  .strict();

export type SimulatorOptions = Omit<z.input<typeof SimulatorOptionsSchema>, 'faults'> & {
  faults?: FaultPlanInput;
};
export type ResolvedSimulatorOptions = Omit<z.output<typeof SimulatorOptionsSchema>, 'faults'> & {
  faults?: unknown;
};

export function parseSimulatorOptions(input: SimulatorOptions): ResolvedSimulatorOptions {
  const parsed = SimulatorOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.path.join('.') || '(root)';
  const given = issue?.path.length === 1 ? `, got ${String((input as Record<string, unknown>)[key])}` : '';
  throw new RatchetError('INPUT_INVALID', `plex-sim: ${key}: ${issue?.message ?? 'invalid'}${given}`);
}
