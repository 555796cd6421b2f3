import type { AggregatePhase } from '../contracts/phase.js';
import { RatchetError } from '../errors/ratchet-error.js';
import type { RatchetConfig } from './schema.js';

/**
 * The metrics the configured aggregate phase produces: a subprocess phase's `metrics` list in the
 * config, or what a module phase declares (`declaredMetrics()`). Undefined when neither says.
 */
export async function declaredAggregateMetrics(
  ref: RatchetConfig['phases']['aggregate'],
  phase: AggregatePhase,
): Promise<readonly string[] | undefined> {
  if ('command' in ref) return ref.metrics;
  return phase.declaredMetrics ? await phase.declaredMetrics() : undefined;
}

/** Levenshtein distance, case-insensitive: "request" is one edit from "requests". */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, index) => index);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] as number;
}

/**
 * The known name closest to a misspelt one: a near spelling (a few edits), else a name that holds
 * it or that it holds ("errors" -> "errorRecords"). Undefined when nothing is close.
 */
export function nearestName(wrong: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(wrong, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (best && best.distance <= Math.max(2, Math.floor(wrong.length / 3))) return best.name;
  const stem = wrong.toLowerCase().replace(/s$/, '');
  if (stem.length < 3) return undefined;
  const holding = known.filter(
    (name) => name.toLowerCase().includes(stem) || stem.includes(name.toLowerCase()),
  );
  return holding.find((name) => name.toLowerCase().startsWith(stem)) ?? holding[0];
}

/**
 * Checks that `objective.metric`, `objective.per` and `judge.criticalMetrics` name metrics the
 * aggregate phase produces. A typo there measures nothing (an objective of 0, or "no traffic")
 * without any error, so it is refused here, naming the key and the nearest known name.
 */
export function checkMetricNames(config: RatchetConfig, declared: readonly string[]): void {
  const { metric, per } = config.objective;
  const uses: Array<{ key: string; name: string }> = Array.isArray(metric)
    ? metric.map((name, index) => ({ key: `objective.metric.${index}`, name }))
    : [{ key: 'objective.metric', name: metric }];
  if (per !== undefined) uses.push({ key: 'objective.per', name: per });
  for (const [index, name] of config.judge.criticalMetrics.entries())
    uses.push({ key: `judge.criticalMetrics.${index}`, name });
  const known = new Set(declared);
  const problems = uses
    .filter((use) => !known.has(use.name))
    .map((use) => {
      const nearest = nearestName(use.name, declared);
      return `${use.key}: '${use.name}' is not a metric the aggregate phase produces${nearest ? ` (did you mean '${nearest}'?)` : ''}`;
    });
  if (problems.length === 0) return;
  throw new RatchetError('CONFIG_INVALID', `unknown metric name:\n  - ${problems.join('\n  - ')}`, {
    details: { problems, metrics: [...declared] },
    hint: `the aggregate phase produces: ${declared.join(', ')} (see docs/config.md, "Metric names")`,
  });
}
