import { describe, expect, it } from 'vitest';
import { binomialTest, sumNoMoreLikely } from './binomial-test.js';
import { fisherExactTest } from './fisher.js';
import { logChoose } from './log-gamma.js';

/** The definition, term by term: what the tail walk must agree with. */
function bruteForce(
  low: number,
  high: number,
  logProbability: (k: number) => number,
  observed: number,
): number {
  const threshold = logProbability(observed) + Math.log(1 + 1e-7);
  let total = 0;
  for (let k = low; k <= high; k += 1)
    if (logProbability(k) <= threshold) total += Math.exp(logProbability(k));
  return Math.min(1, total);
}

describe('sumNoMoreLikely', () => {
  it('agrees with the term-by-term sum on every outcome of a range of binomials and tables', () => {
    for (const [n, p] of [
      [1, 0.5],
      [7, 0.3],
      [20, 0.5],
      [40, 0.9],
      [200, 0.05],
    ] as const) {
      const logProbability = (k: number) => logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
      for (let observed = 0; observed <= n; observed += 1) {
        const fast = sumNoMoreLikely(0, n, logProbability, logProbability(observed));
        expect(fast).toBeCloseTo(bruteForce(0, n, logProbability, observed), 12);
      }
    }
    for (let aEvents = 0; aEvents <= 12; aEvents += 1) {
      for (let bEvents = 0; bEvents <= 15; bEvents += 3) {
        const aTotal = 12;
        const bTotal = 15;
        const events = aEvents + bEvents;
        const logProbability = (k: number) =>
          logChoose(aTotal, k) + logChoose(bTotal, events - k) - logChoose(27, events);
        const expected =
          events === 0 || events === 27
            ? 1
            : bruteForce(Math.max(0, events - bTotal), Math.min(aTotal, events), logProbability, aEvents);
        expect(fisherExactTest({ aEvents, aTotal, bEvents, bTotal }).pValue).toBeCloseTo(expected, 12);
      }
    }
  });
});

describe('exact tests on large counts', () => {
  it('match scipy on a million events and on tens of thousands of items', () => {
    // scipy.stats.binomtest(60500, 120000, 0.5).pvalue and (600000, 1190000, 0.5)
    expect(binomialTest(60_500, 120_000).pValue).toBeCloseTo(0.003928093, 8);
    const tiny = binomialTest(600_000, 1_190_000).pValue;
    expect(tiny / 4.9034387846946394e-20).toBeCloseTo(1, 5);
    // scipy.stats.fisher_exact([[3000, 47000], [2800, 47200]]).pvalue
    expect(
      fisherExactTest({ aEvents: 3000, aTotal: 50_000, bEvents: 2800, bTotal: 50_000 }).pValue,
    ).toBeCloseTo(0.007092838, 8);
  });
});
