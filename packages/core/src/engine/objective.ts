import type { Objective } from '../contracts/schemas.js';

export interface ObjectiveValue {
  /** numerator / denominator, or the raw numerator when the objective has no `per`. */
  value: number | null;
  numerator: number;
  denominator: number | null;
}

/**
 * The objective of a measurement. Progress is always judged on a rate (errors per search, say),
 * because a 1-hour test window and a 24-hour baseline see different amounts of traffic. A rate
 * whose denominator is 0 has no value (null): the measurement saw no traffic and proves nothing.
 */
export function objectiveValue(
  objective: Objective,
  metrics: Readonly<Record<string, number>>,
): ObjectiveValue {
  const names = Array.isArray(objective.metric) ? objective.metric : [objective.metric];
  const numerator = names.reduce((sum, name) => sum + (metrics[name] ?? 0), 0);
  if (!objective.per) return { value: numerator, numerator, denominator: null };
  const denominator = metrics[objective.per] ?? 0;
  return { value: denominator > 0 ? numerator / denominator : null, numerator, denominator };
}

export function describeObjective(objective: Objective): string {
  const names = Array.isArray(objective.metric) ? objective.metric.join(' + ') : objective.metric;
  const rate = objective.per ? `(${names}) per ${objective.per}` : names;
  return `${rate}, ${objective.direction === 'higher' ? 'higher' : 'lower'} is better`;
}

/**
 * Improvement of `next` over `reference` in percent; positive means better in the objective's
 * direction. Relative by default; `absolute` gives the plain difference in the objective's units x100.
 */
export function improvementPct(
  objective: Objective,
  reference: number | null,
  next: number | null,
  mode: 'relative' | 'absolute' = 'relative',
): number | null {
  if (reference === null || next === null) return null;
  const better = objective.direction === 'higher' ? next - reference : reference - next;
  if (mode === 'absolute') return better * 100;
  if (reference === 0) return better === 0 ? 0 : better > 0 ? 100 : -100;
  return (better / Math.abs(reference)) * 100;
}
