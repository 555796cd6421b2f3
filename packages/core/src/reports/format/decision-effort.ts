import type { DecisionRecord } from '../../contracts/events.js';
import { formatNumber } from './numbers.js';

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/**
 * How much evidence a decision took, from what the test phase recorded under
 * `evidence.sequential.total` (all tests of the fix, retests included): "3 rounds, 60 items, 60
 * refresh requests". Null when the test phase recorded nothing of the kind.
 */
export function describeDecisionEffort(decision: DecisionRecord): string | null {
  const sequential = decision.evidence?.sequential;
  if (!sequential || typeof sequential !== 'object') return null;
  const total = (sequential as { total?: unknown }).total;
  if (!total || typeof total !== 'object') return null;
  const { rounds, items, requests, waitedMs } = total as Record<string, unknown>;
  const parts: string[] = [];
  const add = (value: unknown, one: string, many: string) => {
    const n = count(value);
    if (n !== null) parts.push(`${formatNumber(n)} ${n === 1 ? one : many}`);
  };
  add(rounds, 'round', 'rounds');
  add(items, 'item', 'items');
  add(requests, 'refresh request', 'refresh requests');
  const waited = count(waitedMs);
  if (waited !== null && waited > 0) parts.push(`${formatNumber(Math.round(waited / 1000))} s of waiting`);
  const tests = count((sequential as { tests?: unknown }).tests);
  if (tests !== null && tests > 1) parts.push(`over ${formatNumber(tests)} tests`);
  return parts.length > 0 ? parts.join(', ') : null;
}
