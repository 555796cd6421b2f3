import { describe, expect, it } from 'vitest';
import { gammaQuantile, poissonRateInterval, poissonRatesTest, regularizedLowerGamma } from './poisson.js';

describe('poissonRatesTest', () => {
  it('compares 30 errors in 1000 searches with 10 in 1000 as 30 of 40 at one half', () => {
    const result = poissonRatesTest(30, 1000, 10, 1000);
    // Reference: scipy.stats.binomtest(30, 40, 0.5).pvalue
    expect(result.pValue).toBeCloseTo(0.00222143, 7);
    expect(result.rateRatio).toBeCloseTo(3, 12);
    expect(result.expectedShare).toBe(0.5);
  });

  it('weights the expected share by exposure when windows differ in traffic', () => {
    // 12 errors in 500 searches vs 25 in 600: 12 of 37 at 500/1100; scipy binomtest gives 0.137062.
    const result = poissonRatesTest(12, 500, 25, 600);
    expect(result.expectedShare).toBeCloseTo(500 / 1100, 12);
    expect(result.pValue).toBeCloseTo(0.1370624, 6);
  });

  it('refuses a window without exposure', () => {
    expect(() => poissonRatesTest(3, 0, 4, 10)).toThrow(/exposures must be positive/);
  });
});

describe('poissonRateInterval (Garwood)', () => {
  it('matches the chi-square quantiles for 0, 1, 5 and 20 events', () => {
    // Reference: chi2.ppf(0.025, 2k) / 2 and chi2.ppf(0.975, 2k + 2) / 2.
    expect(poissonRateInterval(0).low).toBe(0);
    expect(poissonRateInterval(0).high).toBeCloseTo(3.688879, 5);
    expect(poissonRateInterval(1).low).toBeCloseTo(0.0253178, 6);
    expect(poissonRateInterval(1).high).toBeCloseTo(5.571643, 5);
    expect(poissonRateInterval(5).low).toBeCloseTo(1.623486, 5);
    expect(poissonRateInterval(5).high).toBeCloseTo(11.668332, 5);
    expect(poissonRateInterval(20).low).toBeCloseTo(12.21652, 5);
    expect(poissonRateInterval(20).high).toBeCloseTo(30.888378, 5);
  });

  it('divides by the exposure to give an interval on the rate', () => {
    const { rate, low, high } = poissonRateInterval(5, 100);
    expect(rate).toBe(0.05);
    expect(low).toBeCloseTo(0.01623486, 7);
    expect(high).toBeCloseTo(0.1166833, 6);
  });

  it('inverts the incomplete gamma function', () => {
    expect(regularizedLowerGamma(1, 1)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(regularizedLowerGamma(3, gammaQuantile(0.3, 3))).toBeCloseTo(0.3, 9);
    expect(regularizedLowerGamma(50, gammaQuantile(0.975, 50))).toBeCloseTo(0.975, 9);
  });
});

describe('poissonRateInterval on large counts', () => {
  it('matches the chi-square quantiles for 30 000 events', () => {
    const { low, high } = poissonRateInterval(30_000);
    expect(low).toBeCloseTo(29661.472423263, 5);
    expect(high).toBeCloseTo(30341.42753597558, 5);
  });
});
