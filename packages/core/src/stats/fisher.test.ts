import { describe, expect, it } from 'vitest';
import { fisherExactTest } from './fisher.js';

describe('fisherExactTest', () => {
  it('gives p = 0.155 for 8 of 20 failing before against 3 of 20 after', () => {
    // Margins: 11 failures among 40 items. P(k failures in A) = C(20,k) C(20,11-k) / C(40,11); the
    // tables no more likely than k = 8 are k = 8..11 and, by symmetry, k = 0..3: p = 2 * 0.07759.
    const { pValue, oddsRatio } = fisherExactTest({ aEvents: 8, aTotal: 20, bEvents: 3, bTotal: 20 });
    expect(pValue).toBeCloseTo(0.155187, 5);
    expect(oddsRatio).toBeCloseTo((8 * 17) / (12 * 3), 10);
  });

  it('is symmetric in the two groups', () => {
    const forward = fisherExactTest({ aEvents: 0, aTotal: 10, bEvents: 5, bTotal: 10 });
    const backward = fisherExactTest({ aEvents: 5, aTotal: 10, bEvents: 0, bTotal: 10 });
    expect(forward.pValue).toBeCloseTo(0.0325077, 6);
    expect(backward.pValue).toBeCloseTo(forward.pValue, 12);
  });

  it('returns 1 when the groups are identical or there is nothing to compare', () => {
    expect(fisherExactTest({ aEvents: 4, aTotal: 20, bEvents: 4, bTotal: 20 }).pValue).toBeCloseTo(1, 12);
    expect(fisherExactTest({ aEvents: 0, aTotal: 20, bEvents: 0, bTotal: 20 }).pValue).toBe(1);
    expect(fisherExactTest({ aEvents: 0, aTotal: 0, bEvents: 0, bTotal: 0 }).pValue).toBe(1);
  });

  it('refuses impossible tables with a message naming the bad cell', () => {
    expect(() => fisherExactTest({ aEvents: 21, aTotal: 20, bEvents: 0, bTotal: 20 })).toThrow(
      /aEvents \(21\)/,
    );
    expect(() => fisherExactTest({ aEvents: -1, aTotal: 20, bEvents: 0, bTotal: 20 })).toThrow(/aEvents/);
  });

  it('handles thousands of items without losing precision', () => {
    const { pValue } = fisherExactTest({ aEvents: 300, aTotal: 5000, bEvents: 240, bTotal: 5000 });
    // Reference: scipy.stats.fisher_exact([[300, 4700], [240, 4760]]).
    expect(pValue).toBeCloseTo(0.00898774, 6);
  });
});
