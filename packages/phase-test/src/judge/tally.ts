import { type AggregateResult, type Objective, objectiveValue } from '@ratchet/core';
import { z } from 'zod';

/**
 * What the judge needs from every round, as plain counts that add up: the sufficient statistics of
 * its tests. Rounds of one test and the tests of earlier retests pool by adding these up, so the
 * evidence behind a decision is everything measured since the fix was applied.
 */
const count = z.number().int().nonnegative();
const amount = z.number().nonnegative();

export const PairedTallySchema = z.object({
  fixed: z.array(z.string()),
  broken: z.array(z.string()),
  stillFailing: count,
  stillOk: count,
});

export const ItemsTallySchema = z.object({
  failingBefore: count,
  itemsBefore: count,
  failingAfter: count,
  itemsAfter: count,
});

export const CountsTallySchema = z.object({
  before: count,
  beforeExposure: amount,
  after: count,
  afterExposure: amount,
  unit: z.string(),
});

export const TallySchema = z.object({
  /** The objective's numerator and denominator, after the fix, summed over the rounds. */
  objectiveAfter: z.object({ numerator: amount, denominator: amount.nullable() }),
  /** Items whose outcome was seen after the fix (never refreshed twice for the tally). */
  itemsSeen: z.array(z.string()),
  paired: PairedTallySchema.nullable(),
  items: ItemsTallySchema.nullable(),
  counts: CountsTallySchema.nullable(),
  critical: z.record(z.string(), CountsTallySchema.nullable()),
  /** Error types absent before the fix: events after it, and the window's exposure. */
  newErrors: z.object({ types: z.record(z.string(), count), after: count, afterExposure: amount }),
});

export type PairedTally = z.infer<typeof PairedTallySchema>;
export type ItemsTally = z.infer<typeof ItemsTallySchema>;
export type CountsTally = z.infer<typeof CountsTallySchema>;
export type Tally = z.infer<typeof TallySchema>;

function itemOutcomes(measurement: AggregateResult): Map<string, boolean> {
  const outcomes = new Map<string, boolean>();
  for (const { item, ok } of measurement.items ?? []) outcomes.set(item, (outcomes.get(item) ?? true) && ok);
  return outcomes;
}

export function windowHours(measurement: AggregateResult): number | null {
  const start = Date.parse(measurement.window?.start ?? '');
  const end = Date.parse(measurement.window?.end ?? '');
  return Number.isFinite(start) && Number.isFinite(end) && end > start ? (end - start) / 3_600_000 : null;
}

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}

/** Counts per exposure: the objective's `per` metric, else the windows' lengths in hours. */
function countsTally(
  objective: Objective,
  before: AggregateResult,
  after: AggregateResult,
): CountsTally | null {
  const a = objectiveValue(objective, before.metrics).numerator;
  const b = objectiveValue(objective, after.metrics).numerator;
  if (!isCount(a) || !isCount(b)) return null;
  if (objective.per) {
    const beforeExposure = before.metrics[objective.per] ?? 0;
    const afterExposure = after.metrics[objective.per] ?? 0;
    if (!(beforeExposure > 0) || !(afterExposure >= 0)) return null;
    return { before: a, beforeExposure, after: b, afterExposure, unit: objective.per };
  }
  const beforeHours = windowHours(before);
  const afterHours = windowHours(after);
  if (beforeHours === null || afterHours === null) return null;
  return {
    before: a,
    beforeExposure: beforeHours,
    after: b,
    afterExposure: afterHours,
    unit: 'hour of window',
  };
}

/**
 * The tally of one round: `after` measured the round's window only. `alreadySeen` are items an
 * earlier round or retest already counted: a paired item counts once, so a retest never weighs the
 * same item twice. `knownErrorTypes` occurred before the fix in a wider measurement (the logs, the
 * baseline): the pretest saw few items, and a type it missed is not new.
 */
export function tallyRound(
  objective: Objective,
  before: AggregateResult,
  after: AggregateResult,
  criticalMetrics: readonly string[],
  alreadySeen: ReadonlySet<string> = new Set(),
  knownErrorTypes: ReadonlySet<string> = new Set(),
): Tally {
  const beforeItems = itemOutcomes(before);
  const afterItems = new Map([...itemOutcomes(after)].filter(([item]) => !alreadySeen.has(item)));
  const pairedKeys = [...afterItems.keys()].filter((item) => beforeItems.has(item)).sort();
  const paired: PairedTally | null =
    pairedKeys.length === 0
      ? null
      : {
          fixed: pairedKeys.filter((item) => !beforeItems.get(item) && afterItems.get(item)),
          broken: pairedKeys.filter((item) => beforeItems.get(item) && !afterItems.get(item)),
          stillFailing: pairedKeys.filter((item) => !beforeItems.get(item) && !afterItems.get(item)).length,
          stillOk: pairedKeys.filter((item) => beforeItems.get(item) && afterItems.get(item)).length,
        };
  const items: ItemsTally | null =
    beforeItems.size > 0 && afterItems.size > 0
      ? {
          failingBefore: [...beforeItems.values()].filter((ok) => !ok).length,
          itemsBefore: beforeItems.size,
          failingAfter: [...afterItems.values()].filter((ok) => !ok).length,
          itemsAfter: afterItems.size,
        }
      : null;
  const critical: Tally['critical'] = {};
  for (const metric of criticalMetrics) {
    const per: Objective = { metric, direction: 'lower', ...(objective.per ? { per: objective.per } : {}) };
    critical[metric] = countsTally(per, before, after);
  }
  const beforeTypes = new Set([
    ...knownErrorTypes,
    ...before.errorTypes.filter((type) => type.count > 0).map((type) => type.id),
  ]);
  const types: Record<string, number> = {};
  for (const type of after.errorTypes) {
    if (type.count > 0 && !beforeTypes.has(type.id) && isCount(type.count)) types[type.id] = type.count;
  }
  const objectiveAfter = objectiveValue(objective, after.metrics);
  const counts = countsTally(objective, before, after);
  return {
    objectiveAfter: { numerator: objectiveAfter.numerator, denominator: objectiveAfter.denominator },
    itemsSeen: [...afterItems.keys()].sort(),
    paired,
    items,
    counts,
    critical,
    newErrors: {
      types,
      after: Object.values(types).reduce((sum, value) => sum + value, 0),
      afterExposure: counts?.afterExposure ?? 0,
    },
  };
}

function addCounts(a: CountsTally | null, b: CountsTally | null): CountsTally | null {
  if (!a) return b;
  if (!b) return a;
  // The "before" side is the same measurement in every round: it is counted once.
  return { ...a, after: a.after + b.after, afterExposure: a.afterExposure + b.afterExposure };
}

/** Adds a round (or a retest) to the evidence gathered so far. */
export function mergeTallies(a: Tally | null, b: Tally): Tally {
  if (!a) return b;
  const paired =
    a.paired && b.paired
      ? {
          fixed: [...a.paired.fixed, ...b.paired.fixed],
          broken: [...a.paired.broken, ...b.paired.broken],
          stillFailing: a.paired.stillFailing + b.paired.stillFailing,
          stillOk: a.paired.stillOk + b.paired.stillOk,
        }
      : (a.paired ?? b.paired);
  const items =
    a.items && b.items
      ? {
          ...a.items,
          failingAfter: a.items.failingAfter + b.items.failingAfter,
          itemsAfter: a.items.itemsAfter + b.items.itemsAfter,
        }
      : (a.items ?? b.items);
  const critical: Tally['critical'] = { ...a.critical };
  for (const [metric, tally] of Object.entries(b.critical))
    critical[metric] = addCounts(critical[metric] ?? null, tally);
  const types = { ...a.newErrors.types };
  for (const [id, value] of Object.entries(b.newErrors.types)) types[id] = (types[id] ?? 0) + value;
  const denominator =
    a.objectiveAfter.denominator === null || b.objectiveAfter.denominator === null
      ? (a.objectiveAfter.denominator ?? b.objectiveAfter.denominator)
      : a.objectiveAfter.denominator + b.objectiveAfter.denominator;
  return {
    objectiveAfter: { numerator: a.objectiveAfter.numerator + b.objectiveAfter.numerator, denominator },
    itemsSeen: [...new Set([...a.itemsSeen, ...b.itemsSeen])].sort(),
    paired,
    items,
    counts: addCounts(a.counts, b.counts),
    critical,
    newErrors: {
      types,
      after: a.newErrors.after + b.newErrors.after,
      afterExposure: a.newErrors.afterExposure + b.newErrors.afterExposure,
    },
  };
}
