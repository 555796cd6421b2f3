import { poissonRateInterval } from './poisson.js';

/**
 * Garwood's exact (Poisson) interval for a count per exposure: errors per search, say, which can
 * exceed 1 and so is no proportion (Wilson is for proportions). Returns the rate and its bounds.
 */
export function garwoodInterval(
  count: number,
  exposure: number,
  confidence = 0.95,
): { rate: number; low: number; high: number } {
  return poissonRateInterval(count, exposure, confidence);
}
