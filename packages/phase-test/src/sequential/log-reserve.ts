import type { AggregateResult } from '@ratchet/core';
import { seededRandom } from '../selection/seeded-random.js';

export interface ReservedItem {
  item: string;
  ok: boolean;
}

/** Fisher-Yates with a seeded generator: the same seed, the same order. */
export function seededShuffle<T>(values: readonly T[], seed: string): T[] {
  const random = seededRandom(seed);
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Items that the latest measurement before the fix saw exactly once, which the test may refresh
 * after the fix and pair with that logged outcome instead of refreshing them before it too. They
 * are drawn in a seeded order that never looks at the outcome: an item chosen because it failed
 * would look "fixed" by luck alone (regression to the mean). Items seen more than once are left
 * out, since "failed in any of n records" is not comparable with one refresh; so are ids that are
 * not ratingKeys, which cannot be refreshed.
 */
export function logReserve(before: AggregateResult, size: number, seed: string): ReservedItem[] {
  if (size <= 0) return [];
  const seen = new Map<string, number>();
  for (const { item } of before.items ?? []) seen.set(item, (seen.get(item) ?? 0) + 1);
  const once = (before.items ?? []).filter(({ item }) => seen.get(item) === 1 && /^\d+$/.test(item));
  const sorted = [...once].sort((a, b) => (a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
  return seededShuffle(sorted, seed)
    .slice(0, size)
    .map(({ item, ok }) => ({ item, ok }));
}
