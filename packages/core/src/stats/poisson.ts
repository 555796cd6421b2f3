import { binomialTest, type ExactTestResult } from './binomial-test.js';
import { assertCount, logGamma as logGammaOf } from './log-gamma.js';

export interface PoissonRatesResult extends ExactTestResult {
  /** Rate ratio (aCount / aExposure) / (bCount / bExposure). */
  rateRatio: number;
  /** The share of all events expected in A if both rates were equal: aExposure / (aExposure + bExposure). */
  expectedShare: number;
}

/**
 * Exact conditional test that two Poisson rates are equal (errors per search in two windows, say).
 * Given the total number of events, the events in A are Binomial(total, aExposure / (aExposure +
 * bExposure)) when the rates are equal; the two-sided p-value is that binomial test's.
 */
export function poissonRatesTest(
  aCount: number,
  aExposure: number,
  bCount: number,
  bExposure: number,
): PoissonRatesResult {
  assertCount('aCount', aCount);
  assertCount('bCount', bCount);
  if (!(aExposure > 0) || !(bExposure > 0) || !Number.isFinite(aExposure + bExposure)) {
    throw new RangeError(`exposures must be positive and finite, got ${aExposure} and ${bExposure}`);
  }
  const expectedShare = aExposure / (aExposure + bExposure);
  const rateRatio = aCount / aExposure / (bCount / bExposure);
  return { ...binomialTest(aCount, aCount + bCount, expectedShare), rateRatio, expectedShare };
}

/**
 * Garwood's exact interval for a Poisson count, divided by the exposure to give an interval on the
 * rate: lower = Q(alpha/2; k) and upper = Q(1 - alpha/2; k + 1), where Q is the Gamma(shape, 1)
 * quantile (half of the chi-square quantile with 2k and 2k + 2 degrees of freedom).
 */
export function poissonRateInterval(
  count: number,
  exposure = 1,
  confidence = 0.95,
): { rate: number; low: number; high: number } {
  assertCount('count', count);
  if (!(exposure > 0) || !Number.isFinite(exposure)) {
    throw new RangeError(`exposure must be positive and finite, got ${exposure}`);
  }
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const alpha = 1 - confidence;
  const low = count === 0 ? 0 : gammaQuantile(alpha / 2, count);
  const high = gammaQuantile(1 - alpha / 2, count + 1);
  return { rate: count / exposure, low: low / exposure, high: high / exposure };
}

/** Regularized lower incomplete gamma P(shape, x) (series below shape + 1, continued fraction above). */
export function regularizedLowerGamma(shape: number, x: number): number {
  if (x <= 0) return 0;
  const logPrefix = shape * Math.log(x) - x - logGammaOf(shape);
  if (x < shape + 1) {
    let term = 1 / shape;
    let sum = term;
    for (let n = 1; n < 10_000; n += 1) {
      term *= x / (shape + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.min(1, sum * Math.exp(logPrefix));
  }
  // Lentz's method for the continued fraction of the upper function Q = 1 - P.
  const tiny = 1e-300;
  let b = x + 1 - shape;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i += 1) {
    const an = -i * (i - shape);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.max(0, 1 - Math.exp(logPrefix) * h);
}

/** The p-quantile of Gamma(shape, 1), by bisection on P (monotone, so it always converges). */
export function gammaQuantile(p: number, shape: number): number {
  let low = 0;
  let high = Math.max(1, shape);
  while (regularizedLowerGamma(shape, high) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, high); i += 1) {
    const middle = (low + high) / 2;
    if (regularizedLowerGamma(shape, middle) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}
