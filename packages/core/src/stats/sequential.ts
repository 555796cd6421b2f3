import { assertCount, logChoose, logGamma } from './log-gamma.js';

/**
 * The prior of the mixture e-value on discordant pairs: Beta(a, a). A change usually goes one way
 * (a fix repairs items and breaks none, or a bad one only breaks), so a = 1/4 puts more weight near
 * 0 and 1 than Jeffreys' 1/2: 6 fixed and 0 broken reach 221/11 = 20.09, over 1/0.05, where
 * Jeffreys needs 7. The price is a little power against evenly mixed changes (30 fixed and 10
 * broken: 15.2 instead of 23.4).
 */
export const PAIRED_MIXTURE_PRIOR = 0.25;

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * The beta-binomial mixture e-value of the paired discordant counts against "the fix does nothing"
 * (each discordant item is fixed or broken with probability 1/2):
 * E = 2^(fixed + broken) * B(fixed + a, broken + a) / B(a, a), a = PAIRED_MIXTURE_PRIOR.
 * Under that null, E is a nonnegative martingale with mean 1 as discordant pairs arrive, in any
 * order and in batches of any size, so by Ville's inequality P(E ever reaches 1/alpha) <= alpha:
 * the test may look after every item and stop whenever it likes. Two-sided: a lopsided split either
 * way makes E large.
 */
export function pairedMixtureEValue(fixed: number, broken: number, prior = PAIRED_MIXTURE_PRIOR): number {
  assertCount('fixed', fixed);
  assertCount('broken', broken);
  if (!(prior > 0) || !Number.isFinite(prior)) throw new RangeError(`prior must be positive, got ${prior}`);
  const logE = (fixed + broken) * Math.LN2 + logBeta(fixed + prior, broken + prior) - logBeta(prior, prior);
  return Math.exp(logE);
}

/**
 * Alpha spent at look k (1, 2, 3, ...) of a group-sequential test with no fixed number of looks:
 * alpha * 6 / (pi^2 k^2). The spends add up to alpha over infinitely many looks, so a test that
 * rejects at look k when p_k <= spend(k) rejects a true null with probability at most alpha by the
 * union bound, however the looks depend on each other and however many retests add looks.
 */
export function alphaSpentAtLook(alpha: number, look: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be within (0, 1), got ${alpha}`);
  if (!Number.isInteger(look) || look < 1)
    throw new RangeError(`look must be a positive integer, got ${look}`);
  return (alpha * 6) / (Math.PI * Math.PI * look * look);
}

/** Alpha spent by looks 1..k together. */
export function alphaSpentThrough(alpha: number, looks: number): number {
  let spent = 0;
  for (let look = 1; look <= looks; look += 1) spent += alphaSpentAtLook(alpha, look);
  return spent;
}

/** P(X >= successes) for X ~ Binomial(trials, p): the one-sided exact tail. */
export function binomialUpperTail(successes: number, trials: number, p: number): number {
  assertCount('successes', successes);
  assertCount('trials', trials);
  if (successes > trials) throw new RangeError(`successes (${successes}) exceed trials (${trials})`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be within [0, 1], got ${p}`);
  if (successes === 0) return 1;
  if (p === 0) return 0;
  if (p === 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let tail = 0;
  for (let k = successes; k <= trials; k += 1) {
    const term = Math.exp(logChoose(trials, k) + k * logP + (trials - k) * logQ);
    tail += term;
    if (k > trials * p && term < tail * 1e-17) break;
  }
  return Math.min(1, tail);
}
