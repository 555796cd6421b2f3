import type { AggregateResult, Objective, TestResult } from '@ratchet/core';
import { z } from 'zod';
import { type Judgement, type JudgeSettings, judge } from '../judge/judge.js';
import { mergeTallies, type Tally, TallySchema, tallyRound } from '../judge/tally.js';
import { seededShuffle } from './log-reserve.js';

/** One round: refresh (or wait, or run the command) and measure exactly that window. */
export interface RoundOutcome {
  measured?: AggregateResult;
  measurementError?: string;
  /** Refresh requests sent this round (Plex PUTs; 0 for a wait or a command). */
  requests: number;
  waitedMs: number;
  window?: { start: string; end: string };
  refresh?: unknown;
}

export interface RoundSource {
  /** `itemKeys`: the pool items to refresh this round; undefined when the source chooses. */
  measureRound(round: number, itemKeys: string[] | undefined): Promise<RoundOutcome>;
  /** A count test waits this long per round; the budget `maxWait` caps the total. */
  waitPerRoundMs?: number;
}

const EffortSchema = z.object({
  rounds: z.number().int().nonnegative(),
  items: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  waitedMs: z.number().nonnegative(),
});
export type Effort = z.infer<typeof EffortSchema>;

/** What test.json keeps under `evidence.sequential`, and what a retest reads back to pool. */
export const SequentialEvidenceSchema = z.object({
  method: z.string(),
  look: z.number().int().nonnegative(),
  tally: TallySchema.nullable(),
  thisTest: EffortSchema,
  total: EffortSchema,
  tests: z.number().int().positive(),
});
export type SequentialEvidence = z.infer<typeof SequentialEvidenceSchema>;

const NO_EFFORT: Effort = { rounds: 0, items: 0, requests: 0, waitedMs: 0 };

/**
 * The evidence of the latest earlier test of this fix that recorded any; a record that does not
 * parse (hand-edited, another test phase) is skipped rather than trusted.
 */
export function pooledFromPrevious(previous: readonly TestResult[] | undefined): SequentialEvidence | null {
  for (const result of [...(previous ?? [])].reverse()) {
    const parsed = SequentialEvidenceSchema.safeParse(result.evidence?.sequential);
    if (parsed.success) return parsed.data;
  }
  return null;
}

export interface SequentialTestInput {
  objective: Objective;
  before: AggregateResult;
  settings: JudgeSettings;
  previous: SequentialEvidence | null;
  /** Items measured before the fix (the pretest): rounds draw from them, never twice. */
  pool: string[] | undefined;
  /** Then these, paired with their outcome in the logs before the fix (see logReserve). */
  reserve?: string[];
  /** Error types seen before the fix in wider measurements than `before`: never "new". */
  knownErrorTypes?: string[];
  /** Items per round when drawing from the pool. */
  roundSize: number;
  /** Seeds the order in which pool items are drawn. */
  seed: string;
  source: RoundSource;
  onRound?: (round: number, judgement: Judgement) => void;
}

export interface SequentialTestResult {
  judgement: Judgement;
  evidence: SequentialEvidence;
  /** This test's rounds as one measurement: counts summed, items and error types merged. */
  after: AggregateResult | undefined;
  /** Each round's after-measurement, oldest first. */
  rounds: RoundOutcome[];
}

/**
 * Runs rounds until the judge decides or nothing more can be learned now: the measurement failed,
 * the budget (`maxRounds`, `maxItems`, `maxWait`) is spent, or the pool measured before the fix is
 * used up. Each round adds to the evidence of the rounds and retests before it, and the judge looks
 * at the pooled evidence after every round with a method valid under that optional stopping.
 */
export async function runSequentialTest(input: SequentialTestInput): Promise<SequentialTestResult> {
  const { settings, source } = input;
  let tally: Tally | null = input.previous?.tally ?? null;
  let look = input.previous?.look ?? 0;
  const total: Effort = { ...(input.previous?.total ?? NO_EFFORT) };
  const thisTest: Effort = { ...NO_EFFORT };
  const seen = new Set(tally?.itemsSeen ?? []);
  const remaining = input.pool
    ? [...seededShuffle(input.pool, input.seed), ...(input.reserve ?? [])].filter((item) => !seen.has(item))
    : undefined;
  const known = new Set(input.knownErrorTypes ?? []);
  const rounds: RoundOutcome[] = [];
  let judgement: Judgement | undefined;

  // The budget is the fix's, over all its tests: a retest goes on only where the last one stopped
  // early (a failed measurement) or where the budget was raised since.
  const spent = (key: keyof Effort) => total[key] + thisTest[key];
  const canContinue = () => {
    if (spent('rounds') >= settings.maxRounds) return false;
    if (remaining) return remaining.length > 0 && spent('items') < settings.maxItems;
    if (source.waitPerRoundMs !== undefined)
      return spent('waitedMs') + source.waitPerRoundMs <= settings.maxWait;
    return true;
  };

  if (!canContinue()) {
    judgement = judge({
      objective: input.objective,
      before: input.before,
      tally,
      settings,
      look,
      canContinue: false,
    });
  }
  while (!judgement || judgement.decision === 'CONTINUE') {
    const size = Math.max(1, Math.min(input.roundSize, settings.maxItems - spent('items')));
    const itemKeys = remaining ? remaining.splice(0, size) : undefined;
    const outcome = await source.measureRound(thisTest.rounds + 1, itemKeys);
    rounds.push(outcome);
    thisTest.rounds += 1;
    thisTest.requests += outcome.requests;
    thisTest.waitedMs += outcome.waitedMs;
    if (outcome.measurementError || !outcome.measured) {
      judgement = judge({
        objective: input.objective,
        before: input.before,
        tally,
        measurementError: outcome.measurementError ?? 'the measurement returned nothing',
        settings,
        look,
        canContinue: false,
      });
      break;
    }
    const round = tallyRound(
      input.objective,
      input.before,
      outcome.measured,
      settings.criticalMetrics,
      seen,
      known,
    );
    for (const item of round.itemsSeen) seen.add(item);
    // A round that saw nothing new (every refresh timed out, no traffic) would be repeated in vain.
    const sawNothing = round.itemsSeen.length === 0 && !(round.counts && round.counts.afterExposure > 0);
    thisTest.items += itemKeys ? itemKeys.length : round.itemsSeen.length;
    tally = mergeTallies(tally, round);
    look += 1;
    judgement = judge({
      objective: input.objective,
      before: input.before,
      tally,
      settings,
      look,
      canContinue: !sawNothing && canContinue(),
    });
    input.onRound?.(thisTest.rounds, judgement);
  }
  const evidence: SequentialEvidence = {
    method: tally?.paired
      ? 'beta-binomial mixture e-value on discordant pairs'
      : 'exact tests with alpha spending alpha * 6 / (pi^2 k^2) at look k',
    look,
    tally,
    thisTest,
    total: {
      rounds: total.rounds + thisTest.rounds,
      items: total.items + thisTest.items,
      requests: total.requests + thisTest.requests,
      waitedMs: total.waitedMs + thisTest.waitedMs,
    },
    tests: (input.previous?.tests ?? 0) + 1,
  };
  return { judgement, evidence, after: mergeMeasurements(rounds), rounds };
}

/** The rounds' windows as one measurement: metrics (counts) add up, error types add by id. */
export function mergeMeasurements(rounds: readonly RoundOutcome[]): AggregateResult | undefined {
  const measured = rounds.map((round) => round.measured).filter((m): m is AggregateResult => m !== undefined);
  const first = measured[0];
  if (!first) return undefined;
  if (measured.length === 1) return first;
  const metrics: Record<string, number> = {};
  const errorTypes = new Map<string, AggregateResult['errorTypes'][number]>();
  const items: NonNullable<AggregateResult['items']> = [];
  for (const measurement of measured) {
    for (const [name, value] of Object.entries(measurement.metrics))
      metrics[name] = (metrics[name] ?? 0) + value;
    for (const type of measurement.errorTypes) {
      const known = errorTypes.get(type.id);
      errorTypes.set(type.id, known ? { ...known, count: known.count + type.count } : { ...type });
    }
    items.push(...(measurement.items ?? []));
  }
  const start = first.window?.start;
  const end = measured.at(-1)?.window?.end;
  return {
    metrics,
    errorTypes: [...errorTypes.values()],
    ...(items.length > 0 ? { items } : {}),
    ...(start && end ? { window: { start, end } } : {}),
  };
}
