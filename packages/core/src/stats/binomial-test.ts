import { assertCount, logChoose } from './log-gamma.js';

// Probabilities within this relative distance of the observed one count as "as extreme": the same
// tolerance R's binom.test and fisher.test use, so ties are not lost to rounding.
const RELATIVE_TOLERANCE = 1 + 1e-7;

export interface ExactTestResult {
  /** Two-sided p-value. */
  pValue: number;
}

/**
 * Exact two-sided binomial test of `successes` out of `trials` against probability `p`, summing the
 * probabilities of every outcome no more likely than the observed one (the "minimum likelihood"
 * method of R's binom.test and scipy's binomtest).
 */
export function binomialTest(successes: number, trials: number, p = 0.5): ExactTestResult {
  assertCount('successes', successes);
  assertCount('trials', trials);
  if (successes > trials) throw new RangeError(`successes (${successes}) exceed trials (${trials})`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be within [0, 1], got ${p}`);
  if (trials === 0) return { pValue: 1 };
  if (p === 0) return { pValue: successes === 0 ? 1 : 0 };
  if (p === 1) return { pValue: successes === trials ? 1 : 0 };
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const logProbability = (k: number) => logChoose(trials, k) + k * logP + (trials - k) * logQ;
  return { pValue: sumNoMoreLikely(0, trials, logProbability, logProbability(successes)) };
}

/** Sums exp(logProbability(k)) over k in [low, high] where it is no larger than the observed one. */
export function sumNoMoreLikely(
  low: number,
  high: number,
  logProbability: (k: number) => number,
  observedLog: number,
): number {
  const threshold = observedLog + Math.log(RELATIVE_TOLERANCE);
  let total = 0;
  for (let k = low; k <= high; k += 1) {
    const logValue = logProbability(k);
    if (logValue <= threshold) total += Math.exp(logValue);
  }
  return Math.min(1, total);
}
