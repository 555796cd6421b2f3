import type { AggregateResult, Objective } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JUDGE_SETTINGS } from '../judge/judge.js';
import { seededRandom } from '../selection/seeded-random.js';
import { mergeMeasurements, pooledFromPrevious, runSequentialTest } from './run-sequential.js';

const objective: Objective = { metric: 'failures', per: 'searchOps', direction: 'lower' };

function measurement(outcomes: [string, boolean][]): AggregateResult {
  return {
    metrics: { failures: outcomes.filter(([, ok]) => !ok).length, searchOps: outcomes.length },
    errorTypes: [],
    items: outcomes.map(([item, ok]) => ({ item, ok })),
  };
}

/** One fix that does nothing: every item fails with probability 0.3, before and after alike. */
async function nullFix(run: number) {
  const random = seededRandom(`null-fix:${run}`);
  const keys = Array.from({ length: DEFAULT_JUDGE_SETTINGS.maxItems }, (_, i) => String(1000 + i));
  const before = {
    ...measurement(keys.map((key) => [key, random() >= 0.3])),
    testItems: keys.slice(0, 20),
    reserveItems: keys.slice(20),
  };
  return runSequentialTest({
    objective,
    before,
    settings: DEFAULT_JUDGE_SETTINGS,
    previous: null,
    pool: keys.slice(0, 20),
    reserve: keys.slice(20),
    roundSize: 20,
    seed: `pool:${run}`,
    source: {
      measureRound: async (_round, itemKeys) => ({
        measured: measurement((itemKeys ?? []).map((key) => [key, random() >= 0.3])),
        requests: itemKeys?.length ?? 0,
        waitedMs: 0,
      }),
    },
  });
}

describe('runSequentialTest', () => {
  it('keeps or rolls back at most alpha of useless fixes, looking after every round (seeded simulation)', async () => {
    const runs = 800;
    let wrong = 0;
    let rounds = 0;
    for (let run = 0; run < runs; run += 1) {
      const { judgement, evidence } = await nullFix(run);
      if (judgement.decision === 'KEEP' || judgement.decision === 'ROLLBACK') wrong += 1;
      rounds += evidence.thisTest.rounds;
    }
    expect(wrong / runs).toBeLessThanOrEqual(DEFAULT_JUDGE_SETTINGS.alpha);
    // It did look often: most runs went through all 8 rounds.
    expect(rounds / runs).toBeGreaterThan(7);
  });

  it('reads the pooled evidence back from the latest earlier result that has any, and skips a forged one', async () => {
    const { evidence } = await nullFix(1);
    const earlier = { decision: 'MONITOR' as const, rationale: '', evidence: { sequential: evidence } };
    const forged = { decision: 'MONITOR' as const, rationale: '', evidence: { sequential: { look: -1 } } };
    expect(pooledFromPrevious([earlier, forged])).toEqual(evidence);
    expect(pooledFromPrevious(undefined)).toBeNull();
  });

  it('merges the rounds into one measurement: counts add, error types add by id', () => {
    const merged = mergeMeasurements([
      {
        measured: { ...measurement([['a', false]]), errorTypes: [{ id: 'x', count: 2 }] },
        requests: 1,
        waitedMs: 0,
      },
      {
        measured: { ...measurement([['b', true]]), errorTypes: [{ id: 'x', count: 1 }] },
        requests: 1,
        waitedMs: 0,
      },
    ]);
    expect(merged?.metrics).toEqual({ failures: 1, searchOps: 2 });
    expect(merged?.errorTypes).toEqual([{ id: 'x', count: 3 }]);
    expect(merged?.items).toHaveLength(2);
  });
});
