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

/**
 * The p-quantile of Gamma(shape, 1): Newton steps from the Wilson-Hilferty approximation, kept
 * inside a bracket that bisection narrows whenever a step would leave it, so it always converges.
 */
export function gammaQuantile(p: number, shape: number): number {
  if (p <= 0) return 0;
  let low = 0;
  let high = Math.max(1, shape);
  while (regularizedLowerGamma(shape, high) < p) high *= 2;
  const logGammaShape = logGammaOf(shape);
  let x = Math.min(high, Math.max(low, wilsonHilferty(p, shape)));
  for (let i = 0; i < 200; i += 1) {
    const error = regularizedLowerGamma(shape, x) - p;
    if (error < 0) low = x;
    else high = x;
    const density = Math.exp((shape - 1) * Math.log(x) - x - logGammaShape);
    let next = density > 0 ? x - error / density : Number.NaN;
    if (!(next > low && next < high)) next = (low + high) / 2;
    if (Math.abs(next - x) <= 1e-13 * Math.max(1, x) || high - low <= 1e-13 * Math.max(1, high)) return next;
    x = next;
  }
  return x;
}

function wilsonHilferty(p: number, shape: number): number {
  const z = normalQuantile(p);
  const c = 1 / (9 * shape);
  return shape * Math.max(1e-8, 1 - c + z * Math.sqrt(c)) ** 3;
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const tail = (q: number) =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}
