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

/**
 * Sums exp(logProbability(k)) over k in [low, high] where it is no larger than the observed one.
 * The distributions summed here (binomial, hypergeometric) are log-concave, so those k form two
 * tails around the mode: find each tail's edge by bisection and walk outwards until the terms stop
 * mattering, which keeps a test on a million events in milliseconds.
 */
export function sumNoMoreLikely(
  low: number,
  high: number,
  logProbability: (k: number) => number,
  observedLog: number,
): number {
  const threshold = observedLog + Math.log(RELATIVE_TOLERANCE);
  const mode = findMode(low, high, logProbability);
  if (logProbability(mode) <= threshold) return 1;
  let total = 0;
  // Left tail: the largest k below the mode that is no more likely than observed, then downwards.
  let a = low;
  let b = mode;
  if (logProbability(low) <= threshold) {
    while (b - a > 1) {
      const middle = Math.floor((a + b) / 2);
      if (logProbability(middle) <= threshold) a = middle;
      else b = middle;
    }
    total += walk(a, low, -1, logProbability);
  }
  // Right tail: the smallest k above the mode that is no more likely than observed, then upwards.
  a = mode;
  b = high;
  if (logProbability(high) <= threshold) {
    while (b - a > 1) {
      const middle = Math.floor((a + b) / 2);
      if (logProbability(middle) <= threshold) b = middle;
      else a = middle;
    }
    total += walk(b, high, 1, logProbability);
  }
  return Math.min(1, total);
}

/** Sums from `from` towards `to` until a term no longer changes the sum in double precision. */
function walk(from: number, to: number, step: 1 | -1, logProbability: (k: number) => number): number {
  let total = 0;
  for (let k = from; step > 0 ? k <= to : k >= to; k += step) {
    const term = Math.exp(logProbability(k));
    total += term;
    if (term === 0 || term < total * 1e-17) break;
  }
  return total;
}

/** The mode of a log-concave distribution on [low, high], by bisection on its slope. */
function findMode(low: number, high: number, logProbability: (k: number) => number): number {
  let a = low;
  let b = high;
  while (a < b) {
    const middle = Math.floor((a + b) / 2);
    if (logProbability(middle) < logProbability(middle + 1)) a = middle + 1;
    else b = middle;
  }
  return a;
}
