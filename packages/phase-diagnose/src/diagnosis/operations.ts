import type { AggregateResult, ErrorType } from '@ratchet/core';

/** How much of the measured work a set of error types touched, and what that share is based on. */
export interface Reach {
  /** A fraction in [0, 1]. */
  share: number;
  affected: number;
  total: number;
  basis: string;
}

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

export function describeReach(reach: Reach): string {
  return `${reach.affected} of ${reach.total} ${reach.basis} (${percent(reach.share)})`;
}

const itemsSeenCache = new WeakMap<AggregateResult, ReadonlySet<string>>();

function itemsSeen(aggregate: AggregateResult): ReadonlySet<string> {
  let seen = itemsSeenCache.get(aggregate);
  if (!seen) {
    seen = new Set((aggregate.items ?? []).map((item) => item.item));
    itemsSeenCache.set(aggregate, seen);
  }
  return seen;
}

/**
 * The share of operations affected by some error types: distinct items over items seen when the
 * aggregate lists items, else errors per search and update operation, else per record.
 */
export function reachOf(errorTypes: ReadonlyArray<ErrorType>, aggregate: AggregateResult): Reach {
  const seen = itemsSeen(aggregate);
  const affectedItems = new Set(errorTypes.flatMap((errorType) => errorType.items ?? []));
  if (seen.size > 0 && affectedItems.size > 0) {
    const affected = [...affectedItems].filter((item) => seen.has(item)).length || affectedItems.size;
    const total = Math.max(seen.size, affected);
    return { share: affected / total, affected, total, basis: 'items' };
  }
  const count = errorTypes.reduce((sum, errorType) => sum + errorType.count, 0);
  const operations = (aggregate.metrics.searchOps ?? 0) + (aggregate.metrics.updateOps ?? 0);
  if (operations > 0) {
    return {
      share: Math.min(1, count / operations),
      affected: count,
      total: operations,
      basis: 'operations',
    };
  }
  const records = aggregate.metrics.records ?? 0;
  if (records > 0)
    return { share: Math.min(1, count / records), affected: count, total: records, basis: 'records' };
  const allErrors = aggregate.errorTypes.reduce((sum, errorType) => sum + errorType.count, 0);
  return {
    share: allErrors > 0 ? count / allErrors : 0,
    affected: count,
    total: allErrors,
    basis: 'errors (no operation count in the measurement)',
  };
}
