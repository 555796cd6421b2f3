import type { AggregateResult, Objective } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JUDGE_SETTINGS, type JudgeSettings, judge } from './judge.js';

const titleFailuresPerSearch: Objective = {
  metric: 'titleMatchFailures',
  per: 'searchOps',
  direction: 'lower',
};
const urlErrorsPerSearch: Objective = { metric: 'urlErrors', per: 'searchOps', direction: 'lower' };

function measurement(
  metrics: Record<string, number>,
  items?: [string, boolean][],
  errorTypes: string[] = [],
): AggregateResult {
  return {
    metrics,
    errorTypes: errorTypes.map((id) => ({ id, count: 1 })),
    ...(items ? { items: items.map(([item, ok]) => ({ item, ok })) } : {}),
  };
}

/** `count` items named prefix0.., the first `failing` of them failing. */
function items(prefix: string, count: number, failing: (index: number) => boolean): [string, boolean][] {
  return Array.from({ length: count }, (_, index) => [`${prefix}${index}`, !failing(index)]);
}

function settings(overrides: Partial<JudgeSettings> = {}): JudgeSettings {
  return { ...DEFAULT_JUDGE_SETTINGS, ...overrides };
}

describe('judge', () => {
  it('keeps 8/20 vs 3/20 on different items under observation: Fisher p = 0.155 is not significant', () => {
    const result = judge({
      objective: titleFailuresPerSearch,
      before: measurement(
        { titleMatchFailures: 8, searchOps: 20 },
        items('a', 20, (i) => i < 8),
      ),
      after: measurement(
        { titleMatchFailures: 3, searchOps: 20 },
        items('b', 20, (i) => i < 3),
      ),
      settings: settings(),
    });
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('inconclusive');
    expect(result.evidence.test?.kind).toBe('fisher');
    expect(result.evidence.test?.pValue).toBeCloseTo(0.155, 3);
    expect(result.evidence.effectPct).toBeCloseTo(62.5, 10);
    expect(result.rationale).toContain('p = 0.155 (alpha 0.05)');
    expect(result.rationale).toContain('0.400 (8/20) [95% Wilson 0.219-0.613]');
    expect(result.rationale).toContain('Success indicators met: 5 of 6.');
  });

  it('keeps a fix that repaired 8 of 10 failing items and broke none: McNemar p = 2/256', () => {
    const before = items('m', 20, (i) => i < 10);
    const after = items('m', 20, (i) => i < 2);
    const result = judge({
      objective: titleFailuresPerSearch,
      before: measurement({ titleMatchFailures: 10, searchOps: 20 }, before),
      after: measurement({ titleMatchFailures: 2, searchOps: 20 }, after),
      settings: settings(),
    });
    expect(result.decision).toBe('KEEP');
    expect(result.rule).toBe('significant-improvement');
    expect(result.evidence.test).toMatchObject({
      kind: 'mcnemar',
      samples: 20,
      broken: [],
      stillFailing: 2,
      stillOk: 10,
    });
    expect(result.evidence.test?.pValue).toBeCloseTo(2 / 256, 12);
    expect(result.indicators).toMatchObject({ met: 6, total: 6 });
    expect(result.rationale).toContain('8 fixed, 0 newly broken');
  });

  it('rolls back a fix that broke 7 items that were fine: McNemar p = 2/128', () => {
    const result = judge({
      objective: titleFailuresPerSearch,
      before: measurement(
        { titleMatchFailures: 2, searchOps: 20 },
        items('m', 20, (i) => i < 2),
      ),
      after: measurement(
        { titleMatchFailures: 9, searchOps: 20 },
        items('m', 20, (i) => i < 9),
      ),
      settings: settings(),
    });
    expect(result.decision).toBe('ROLLBACK');
    expect(result.rule).toBe('significant-regression');
    expect(result.evidence.test?.pValue).toBeCloseTo(1 / 64, 12);
    expect(result.evidence.effectPct).toBeCloseTo(-350, 10);
  });

  it('asks for a modified fix when as many items broke as were fixed', () => {
    // 30 items, 10 failing before; after, items 0-2 are fixed and items 10-12 broke: 10 failing again.
    const after = items('m', 30, (i) => (i >= 3 && i < 10) || (i >= 10 && i < 13));
    const result = judge({
      objective: titleFailuresPerSearch,
      before: measurement(
        { titleMatchFailures: 10, searchOps: 30 },
        items('m', 30, (i) => i < 10),
      ),
      after: measurement({ titleMatchFailures: 10, searchOps: 30 }, after),
      settings: settings(),
    });
    expect(result.decision).toBe('MODIFY');
    expect(result.rule).toBe('small-effect-items-broke');
    expect(result.evidence.test).toMatchObject({
      kind: 'mcnemar',
      fixed: ['m0', 'm1', 'm2'],
      broken: ['m10', 'm11', 'm12'],
    });
    expect(result.evidence.test?.pValue).toBeCloseTo(1, 12);
  });

  it('never keeps on too few samples, even when the test is significant', () => {
    // 6 items, all failing before and fixed after: McNemar p = 2/64 = 0.031 < 0.05, but 6 < 20.
    const result = judge({
      objective: titleFailuresPerSearch,
      before: measurement(
        { titleMatchFailures: 6, searchOps: 6 },
        items('m', 6, () => true),
      ),
      after: measurement(
        { titleMatchFailures: 0, searchOps: 6 },
        items('m', 6, () => false),
      ),
      settings: settings(),
    });
    expect(result.evidence.test?.pValue).toBeCloseTo(0.03125, 12);
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('too-few-samples');
    expect(result.rationale).toContain('samples 6 (minimum 20)');
  });

  it('compares counts per search with the conditional Poisson test when there are no items', () => {
    const result = judge({
      objective: urlErrorsPerSearch,
      before: measurement({ urlErrors: 30, searchOps: 1000 }),
      after: measurement({ urlErrors: 10, searchOps: 1000 }),
      settings: settings(),
    });
    expect(result.decision).toBe('KEEP');
    expect(result.evidence.test?.kind).toBe('poisson');
    // scipy.stats.binomtest(30, 40, 0.5).pvalue = 0.0022214
    expect(result.evidence.test?.pValue).toBeCloseTo(0.0022214, 6);
    expect(result.rationale).toContain('p = 0.002');
    expect(result.rationale).toMatch(/0\.0300 \(30\/1000\) \[95% Wilson/);
  });

  it('weights windows of different traffic and leaves a non-significant worsening to monitoring', () => {
    const result = judge({
      objective: urlErrorsPerSearch,
      before: measurement({ urlErrors: 12, searchOps: 500 }),
      after: measurement({ urlErrors: 25, searchOps: 600 }),
      settings: settings(),
    });
    // scipy.stats.binomtest(12, 37, 500 / 1100).pvalue = 0.13706
    expect(result.evidence.test?.pValue).toBeCloseTo(0.13706, 4);
    expect(result.evidence.testDirection).toBe('worse');
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('inconclusive');
  });

  it('rolls back when a critical metric rose significantly even though the objective improved', () => {
    // updateExceptions 2 -> 15 per 1000 searches: 2 of 17 at one half, p = 2 * (1 + 17 + 136) / 2^17.
    const result = judge({
      objective: urlErrorsPerSearch,
      before: measurement({ urlErrors: 30, updateExceptions: 2, searchOps: 1000 }),
      after: measurement({ urlErrors: 10, updateExceptions: 15, searchOps: 1000 }),
      settings: settings({ criticalMetrics: ['updateExceptions'] }),
    });
    expect(result.decision).toBe('ROLLBACK');
    expect(result.rule).toBe('critical-metric-regressed');
    expect(result.evidence.critical[0]?.pValue).toBeCloseTo(308 / 131072, 10);
    expect(result.rationale).toContain('updateExceptions');
  });

  it('treats a failed measurement as inconclusive, never as a failed fix', () => {
    const result = judge({
      objective: urlErrorsPerSearch,
      before: measurement({ urlErrors: 30, searchOps: 1000 }),
      after: undefined,
      measurementError: 'Plex at http://127.0.0.1:1 did not complete PUT /library/metadata/1/refresh',
      settings: settings(),
    });
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('measurement-failed');
    expect(result.rationale).toContain('says nothing about the fix');
    expect(result.indicators.met).toBeLessThan(result.indicators.total);
  });

  it('monitors when the test window saw no searches at all', () => {
    const result = judge({
      objective: urlErrorsPerSearch,
      before: measurement({ urlErrors: 30, searchOps: 1000 }),
      after: measurement({ urlErrors: 0, searchOps: 0 }),
      settings: settings(),
    });
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('no-data');
  });

  it('honours a higher-is-better objective', () => {
    const successes: Objective = { metric: 'matched', per: 'searchOps', direction: 'higher' };
    const result = judge({
      objective: successes,
      before: measurement({ matched: 10, searchOps: 1000 }),
      after: measurement({ matched: 30, searchOps: 1000 }),
      settings: settings(),
    });
    expect(result.evidence.testDirection).toBe('better');
    expect(result.decision).toBe('KEEP');
  });

  it('uses the window lengths as exposure for an objective without a rate', () => {
    const hour = (start: string, end: string) => ({ start, end });
    const before = {
      ...measurement({ exceptions: 40 }),
      window: hour('2024-01-01T00:00:00.000Z', '2024-01-01T04:00:00.000Z'),
    };
    const after = {
      ...measurement({ exceptions: 1 }),
      window: hour('2024-01-01T05:00:00.000Z', '2024-01-01T06:00:00.000Z'),
    };
    const result = judge({
      objective: { metric: 'exceptions', direction: 'lower' },
      before,
      after,
      settings: settings(),
    });
    expect(result.evidence.test).toMatchObject({
      kind: 'poisson',
      exposureUnit: 'hour of window',
      samples: 41,
    });
    // 40 of 41 events in 4 of 5 hours: scipy.stats.binomtest(40, 41, 0.8).pvalue = 0.0025764
    expect(result.evidence.test?.pValue).toBeCloseTo(0.0025764, 6);
    // 10 per hour before, 1 per hour after.
    expect(result.evidence.effectPct).toBeCloseTo(90, 10);
    expect(result.decision).toBe('KEEP');
  });
});
