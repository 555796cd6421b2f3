import type { Rate } from '@ratchet/core';
import { wilsonInterval } from '@ratchet/core';

function rate(numerator: number, denominator: number): Rate {
  const value = denominator === 0 ? 0 : numerator / denominator;
  const result: Rate = { value, numerator, denominator };
  if (denominator > 0 && numerator <= denominator) {
    const { low, high } = wilsonInterval(numerator, denominator);
    result.low = low;
    result.high = high;
  }
  return result;
}

/**
 * `<metric>PerSearch` and `<metric>PerRecord` for every metric, with Wilson 95% intervals. Per-search
 * rates only where searches are counted at all (the generic preset has no `searchOps`).
 */
export function computeRates(metrics: Readonly<Record<string, number>>): Record<string, Rate> {
  const rates: Record<string, Rate> = {};
  const searches = metrics.searchOps;
  const records = metrics.records ?? 0;
  for (const [name, value] of Object.entries(metrics)) {
    if (searches !== undefined && name !== 'searchOps') rates[`${name}PerSearch`] = rate(value, searches);
    if (name !== 'records') rates[`${name}PerRecord`] = rate(value, records);
  }
  return rates;
}
