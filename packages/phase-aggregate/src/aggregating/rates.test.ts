import { garwoodInterval } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { computeRates } from './plex-aggregator.js';

describe('rates and their intervals', () => {
  it('gives errors per search, which can exceed 1, a Garwood (exact Poisson) interval', () => {
    const rates = computeRates({ modelErrors: 30, searchOps: 20, records: 400 });
    const perSearch = rates.modelErrorsPerSearch;
    expect(perSearch).toMatchObject({ value: 1.5, numerator: 30, denominator: 20, interval: 'garwood' });
    // Garwood for 30 events: [20.24, 42.83] (chi-square quantiles / 2), per 20 searches.
    expect(perSearch?.low).toBeCloseTo(20.24 / 20, 3);
    expect(perSearch?.high).toBeCloseTo(42.83 / 20, 3);
    expect(perSearch?.high).toBeGreaterThan(1);
  });

  it('keeps Wilson for a share of records', () => {
    const rates = computeRates({ modelErrors: 30, searchOps: 20, records: 400 });
    expect(rates.modelErrorsPerRecord?.interval).toBe('wilson');
    expect(rates.modelErrorsPerRecord?.high).toBeLessThan(1);
  });

  it('garwoodInterval has a zero lower bound for no events', () => {
    expect(garwoodInterval(0, 10)).toEqual({ rate: 0, low: 0, high: expect.closeTo(0.3689, 3) });
  });
});
