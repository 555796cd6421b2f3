import type { Rate } from '@ratchet/core';
import { garwoodInterval, wilsonInterval } from '@ratchet/core';

/**
 * A rate with its 95% interval: Garwood (exact Poisson) for a count per exposure such as errors per
 * search, which can exceed 1; Wilson for a share of records.
 */
function rate(numerator: number, denominator: number, perExposure: boolean): Rate {
  const value = denominator === 0 ? 0 : numerator / denominator;
  const result: Rate = { value, numerator, denominator };
  const count = Number.isInteger(numerator) && numerator >= 0;
  if (denominator > 0 && count && (perExposure || numerator > denominator)) {
    const { low, high } = garwoodInterval(numerator, denominator);
    Object.assign(result, { low, high, interval: 'garwood' });
  } else if (denominator > 0 && numerator <= denominator) {
    const { low, high } = wilsonInterval(numerator, denominator);
    Object.assign(result, { low, high, interval: 'wilson' });
  }
  return result;
}

/**
 * `<metric>PerSearch` (Garwood intervals) and `<metric>PerRecord` (Wilson) for every metric.
 * Per-search rates only where searches are counted at all (the generic preset has no `searchOps`).
 */
export function computeRates(metrics: Readonly<Record<string, number>>): Record<string, Rate> {
  const rates: Record<string, Rate> = {};
  const searches = metrics.searchOps;
  const records = metrics.records ?? 0;
  for (const [name, value] of Object.entries(metrics)) {
    if (searches !== undefined && name !== 'searchOps')
      rates[`${name}PerSearch`] = rate(value, searches, true);
    if (name !== 'records') rates[`${name}PerRecord`] = rate(value, records, false);
  }
  return rates;
}
