import type { AggregateResult, Objective } from '@ratchet/core';
import { DEFAULT_JUDGE_SETTINGS } from '../judge/judge.js';
import { describeEffort } from '../report/describe-effort.js';
import { type RoundOutcome, runSequentialTest } from '../sequential/run-sequential.js';

// docs/decisions.md walks through this example; every number it quotes must come from here.

const objective: Objective = { metric: 'titleMatchFailures', per: 'searchOps', direction: 'lower' };
const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

function outcomes(keys: string[], failing: (key: string) => boolean) {
  return keys.map((item) => ({ item, ok: !failing(item) }));
}

const refreshed = range('10', 1, 20).map((key) => key.replace(/^10(\d)$/, '100$1'));
const logged = range('20', 1, 20).map((key) => key.replace(/^20(\d)$/, '200$1'));
const failingBefore = new Set([...refreshed.slice(0, 8), ...logged.slice(0, 6)]);

/** Before: the 20 items refreshed just before the fix, and 20 the logs saw once. */
const before: AggregateResult = {
  metrics: { titleMatchFailures: 8, searchOps: 20 },
  errorTypes: [],
  items: [
    ...outcomes(refreshed, (key) => failingBefore.has(key)),
    ...outcomes(logged, (key) => failingBefore.has(key)),
  ],
  testItems: refreshed,
  reserveItems: logged,
};

/** After the fix: 6 of the 8 refreshed failing items fixed, one control broken; then 5 of 6 logged. */
const failingAfter = new Set([refreshed[6], refreshed[7], refreshed[8], logged[5]]);

function round(keys: string[]): RoundOutcome {
  const items = outcomes(keys, (key) => failingAfter.has(key));
  return {
    measured: {
      metrics: { titleMatchFailures: items.filter((item) => !item.ok).length, searchOps: keys.length },
      errorTypes: [],
      items,
    },
    requests: keys.length,
    waitedMs: 0,
  };
}

export async function workedExample() {
  const looks: { decision: string; eValue: number }[] = [];
  const result = await runSequentialTest({
    objective,
    before,
    settings: DEFAULT_JUDGE_SETTINGS,
    previous: null,
    pool: refreshed,
    reserve: logged,
    roundSize: 20,
    seed: 'simdb-normalize-titles:pool',
    source: { measureRound: async (_round, keys) => round(keys ?? []) },
    onRound: (_round, judgement) => {
      const test = judgement.evidence.test;
      looks.push({
        decision: judgement.decision,
        eValue: test?.kind === 'mcnemar' ? test.eValue : Number.NaN,
      });
    },
  });
  return { result, looks, rationale: `${result.judgement.rationale} ${describeEffort(result.evidence)}` };
}
