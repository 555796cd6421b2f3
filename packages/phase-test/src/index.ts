import type { PhaseFactoryContext, TestPhase } from '@ratchet/core';
import { createTestPhase } from './phase/test-phase.js';

export {
  alphaShares,
  type CriticalMetricCheck,
  DEFAULT_JUDGE_SETTINGS,
  formatEValue,
  formatNumber,
  formatPValue,
  formatRate,
  type JudgeDecision,
  type JudgeInput,
  type Judgement,
  type JudgeRule,
  type JudgeSettings,
  judge,
  type NewErrorsCheck,
  type RateSummary,
  type StatisticalTest,
  summarizeObjective,
} from './judge/judge.js';
export {
  type CountsTally,
  CountsTallySchema,
  type ItemsTally,
  ItemsTallySchema,
  mergeTallies,
  type PairedTally,
  PairedTallySchema,
  type Tally,
  TallySchema,
  tallyRound,
  windowHours,
} from './judge/tally.js';
export {
  type CommandRefreshOptions,
  CommandRefreshSchema,
  JudgeOptionsSchema,
  type PlexRefreshOptions,
  PlexRefreshSchema,
  parseTestPhaseOptions,
  type RefreshOptions,
  RefreshOptionsSchema,
  resolveJudgeSettings,
  type TestPhaseOptions,
  type TestPhaseOptionsInput,
  TestPhaseOptionsSchema,
  type WaitRefreshOptions,
  WaitRefreshSchema,
} from './options/test-options.js';
export { createTestPhase } from './phase/test-phase.js';
export type { RefreshSummary } from './refresh/run-refresh.js';
export { describeEffort } from './report/describe-effort.js';
export { renderTestReport } from './report/render-report.js';
export {
  type ChooseItemsOptions,
  type ChosenItem,
  chooseItems,
  type ItemSelection,
  targetedIdentifiers,
} from './selection/choose-items.js';
export { seededRandom } from './selection/seeded-random.js';
export {
  type Effort,
  mergeMeasurements,
  pooledFromPrevious,
  type RoundOutcome,
  type RoundSource,
  runSequentialTest,
  type SequentialEvidence,
  SequentialEvidenceSchema,
  type SequentialTestInput,
  type SequentialTestResult,
} from './sequential/run-sequential.js';

/** The phase module's default export: `(options, ctx) => TestPhase`. */
export default function testPhaseFactory(
  options: Record<string, unknown>,
  ctx: PhaseFactoryContext,
): TestPhase {
  return createTestPhase(options, ctx);
}
