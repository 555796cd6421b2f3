import { binomialTest, type ExactTestResult } from './binomial-test.js';
import { assertCount } from './log-gamma.js';

export interface McNemarResult extends ExactTestResult {
  /** Discordant pairs: failing before and fine after (fixed). */
  fixed: number;
  /** Discordant pairs: fine before and failing after (newly broken). */
  broken: number;
}

/**
 * Exact McNemar test for paired outcomes (the same items before and after): only the discordant
 * pairs carry information, and under "no effect" each is equally likely to go either way, so the
 * count fixed out of fixed + broken is Binomial(fixed + broken, 1/2).
 */
export function exactMcNemarTest(fixed: number, broken: number): McNemarResult {
  assertCount('fixed', fixed);
  assertCount('broken', broken);
  return { ...binomialTest(fixed, fixed + broken, 0.5), fixed, broken };
}
