/**
 * Wilson score interval for a binomial proportion. Unlike the normal approximation it stays inside
 * [0, 1] and behaves at 0/n and n/n, which matters with the ~20 items a Plex test refreshes.
 */
export function wilsonInterval(
  successes: number,
  trials: number,
  z = 1.959963984540054,
): { low: number; high: number } {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = Math.min(1, Math.max(0, successes / trials));
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const margin = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - margin), high: Math.min(1, centre + margin) };
}

/** A proportion with its Wilson interval, as plain numbers for reports and JSON. */
export function wilsonRate(
  successes: number,
  trials: number,
  z = 1.959963984540054,
): { value: number; numerator: number; denominator: number; low: number; high: number } {
  const interval = wilsonInterval(successes, trials, z);
  // At 0/n and n/n the bound is exact; rounding would otherwise print 2.8e-17.
  const low = successes === 0 ? 0 : interval.low;
  const high = successes === trials ? 1 : interval.high;
  return { value: trials > 0 ? successes / trials : 0, numerator: successes, denominator: trials, low, high };
}
