import type { PhaseFactoryContext, TestPhase } from '@ratchet/core';
import { createTestPhase } from './phase/test-phase.js';

export * from './judge/judge.js';
export * from './judge/tally.js';
export * from './options/test-options.js';
export { createTestPhase } from './phase/test-phase.js';
export type { RefreshSummary } from './refresh/run-refresh.js';
export { describeEffort } from './report/describe-effort.js';
export { renderTestReport } from './report/render-report.js';
export * from './selection/choose-items.js';
export { seededRandom } from './selection/seeded-random.js';
export * from './sequential/run-sequential.js';

/** The phase module's default export: `(options, ctx) => TestPhase`. */
export default function testPhaseFactory(
  options: Record<string, unknown>,
  ctx: PhaseFactoryContext,
): TestPhase {
  return createTestPhase(options, ctx);
}
