import { RatchetError } from '@ratchet/core';
import { z } from 'zod';
import { unitHash } from '../util/deterministic.js';

/**
 * Faults the server injects into its Plex API answers, to harden clients: a share of requests
 * answered with an error status, delayed, or dropped (the socket is destroyed without an answer).
 * `/identity` and the simulator's own `/:/sim/` endpoints are never faulted.
 */
export const FaultsSchema = z
  .object({
    errorRate: z.number().min(0).max(1).default(0),
    errorStatus: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503)]).default(503),
    retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
    delayMs: z.number().int().min(0).max(120_000).default(0),
    dropRate: z.number().min(0).max(1).default(0),
  })
  .strict();
export type Faults = z.infer<typeof FaultsSchema>;
export type FaultsInput = z.input<typeof FaultsSchema>;

export function parseFaults(input: unknown, where: string): Faults {
  const parsed = FaultsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RatchetError(
      'INPUT_INVALID',
      `${where}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

export type FaultDecision = { kind: 'none' } | { kind: 'drop' } | { kind: 'status'; status: number };

/** Which fault, if any, the `n`-th faultable request gets; deterministic for a seed. */
export function decideFault(faults: Faults, seed: number, n: number): FaultDecision {
  if (faults.dropRate > 0 && unitHash(seed, 'fault-drop', n) < faults.dropRate) return { kind: 'drop' };
  if (faults.errorRate > 0 && unitHash(seed, 'fault-status', n) < faults.errorRate) {
    return { kind: 'status', status: faults.errorStatus };
  }
  return { kind: 'none' };
}
