import { type ExactTestResult, sumNoMoreLikely } from './binomial-test.js';
import { assertCount, logChoose } from './log-gamma.js';

export interface TwoByTwo {
  /** Failures and total in group A (e.g. items before the fix). */
  aEvents: number;
  aTotal: number;
  /** Failures and total in group B (e.g. items after the fix). */
  bEvents: number;
  bTotal: number;
}

export interface FisherResult extends ExactTestResult {
  /** Sample odds ratio (aEvents/aNon) / (bEvents/bNon); Infinity or NaN where a cell is 0. */
  oddsRatio: number;
}

/**
 * Fisher's exact test, two-sided, on the 2x2 table [[aEvents, aTotal - aEvents], [bEvents,
 * bTotal - bEvents]]: with the margins fixed, the events in A follow a hypergeometric law, and the
 * p-value sums every table no more likely than the observed one.
 */
export function fisherExactTest(table: TwoByTwo): FisherResult {
  const { aEvents, aTotal, bEvents, bTotal } = table;
  for (const [name, value] of Object.entries(table)) assertCount(name, value);
  if (aEvents > aTotal) throw new RangeError(`aEvents (${aEvents}) exceed aTotal (${aTotal})`);
  if (bEvents > bTotal) throw new RangeError(`bEvents (${bEvents}) exceed bTotal (${bTotal})`);
  const aNon = aTotal - aEvents;
  const bNon = bTotal - bEvents;
  const oddsRatio = (aEvents * bNon) / (aNon * bEvents);
  const events = aEvents + bEvents;
  const total = aTotal + bTotal;
  if (total === 0 || events === 0 || events === total) return { pValue: 1, oddsRatio };
  const logDenominator = logChoose(total, events);
  const logProbability = (k: number) => logChoose(aTotal, k) + logChoose(bTotal, events - k) - logDenominator;
  const low = Math.max(0, events - bTotal);
  const high = Math.min(aTotal, events);
  return { pValue: sumNoMoreLikely(low, high, logProbability, logProbability(aEvents)), oddsRatio };
}
