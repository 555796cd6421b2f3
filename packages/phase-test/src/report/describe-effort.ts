import { formatNumber } from '../judge/format.js';
import type { SequentialEvidence } from '../sequential/run-sequential.js';

function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}

/** "Evidence: 2 rounds, 40 items, 40 refresh requests (pooled with 1 earlier test: 3 rounds, ...)." */
export function describeEffort(evidence: SequentialEvidence): string {
  const { thisTest, total, tests } = evidence;
  const parts = [
    plural(thisTest.rounds, 'round'),
    plural(thisTest.items, 'item'),
    plural(thisTest.requests, 'refresh request'),
  ];
  if (thisTest.waitedMs > 0) parts.push(`${formatNumber(Math.round(thisTest.waitedMs / 1000))} s of waiting`);
  let text = `Evidence: ${parts.join(', ')}`;
  if (tests > 1) {
    text += ` (pooled with ${plural(tests - 1, 'earlier test')}: ${plural(total.rounds, 'round')}, ${plural(total.items, 'item')}, ${plural(total.requests, 'refresh request')} in all)`;
  }
  return `${text}.`;
}
