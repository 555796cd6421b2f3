import type { AggregateResult, Objective } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JUDGE_SETTINGS, type JudgeSettings, judge } from './judge.js';
import { mergeTallies, tallyRound } from './tally.js';

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

/** One look at one round: the tally the test phase would build, then the judge. */
function judgeOnce(input: {
  objective: Objective;
  before: AggregateResult;
  after: AggregateResult | undefined;
  settings: JudgeSettings;
  measurementError?: string;
  look?: number;
  canContinue?: boolean;
}) {
  const { objective, before, after, settings: judgeSettings } = input;
  return judge({
    objective,
    before,
    tally: after ? tallyRound(objective, before, after, judgeSettings.criticalMetrics) : null,
    ...(input.measurementError ? { measurementError: input.measurementError } : {}),
    settings: judgeSettings,
    look: input.look ?? 1,
    canContinue: input.canContinue ?? false,
  });
}

describe('judge', () => {
  it('does not keep 8/20 vs 3/20 on different items: Fisher p = 0.155 is over the alpha spent at look 1', () => {
    const result = judgeOnce({
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
    expect(result.rule).toBe('budget-spent');
    expect(result.evidence.test?.kind).toBe('fisher');
    expect(result.evidence.test?.pValue).toBeCloseTo(0.155, 3);
    expect(result.evidence.test?.threshold).toBeCloseTo((0.05 * 6) / Math.PI ** 2, 12);
    expect(result.evidence.effectPct).toBeCloseTo(62.5, 10);
    expect(result.rationale).toContain('p = 0.155 (decides at 0.030, the alpha spent at this look)');
    expect(result.rationale).toContain('0.400 (8/20) [95% Wilson 0.219-0.613]');
    expect(result.rationale).toContain('Success indicators met: 5 of 6.');
  });

  it('keeps a fix that repaired 8 of 10 failing items and broke none: e-value 2465/33 = 74.7', () => {
    const before = items('m', 20, (i) => i < 10);
    const after = items('m', 20, (i) => i < 2);
    const result = judgeOnce({
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
    expect(result.evidence.test).toMatchObject({ eValue: expect.closeTo(2465 / 33, 9) });
    expect(result.evidence.test?.pValue).toBeCloseTo(33 / 2465, 12);
    expect(result.evidence.effectPct).toBeCloseTo(80, 10);
    expect(result.indicators).toMatchObject({ met: 6, total: 6 });
    expect(result.rationale).toContain('8 fixed, 0 newly broken');
  });

  it('keeps a fix aimed at a few items that fixed 6 of 160 and broke none, under the minimum effect', () => {
    // The rehearsal's corrupt-bundle fix: 6 fixed, 0 broken, 117 still failing, 37 fine.
    const before = items('k', 160, (i) => i < 123);
    const after = items('k', 160, (i) => i >= 6 && i < 123);
    const result = judgeOnce({
      objective: titleFailuresPerSearch,
      before: measurement({ titleMatchFailures: 123, searchOps: 160 }, before),
      after: measurement({ titleMatchFailures: 117, searchOps: 160 }, after),
      settings: settings(),
    });
    expect(result.evidence.test).toMatchObject({
      kind: 'mcnemar',
      broken: [],
      stillFailing: 117,
      stillOk: 37,
    });
    expect(result.evidence.effectPct).toBeLessThan(10);
    expect(result.decision).toBe('KEEP');
    expect(result.rule).toBe('significant-improvement');
  });

  it('does not keep a trade under the minimum effect: 12 fixed and 2 broken of 160', () => {
    const before = items('t', 160, (i) => i < 120);
    const after = items('t', 160, (i) => (i >= 12 && i < 120) || i === 150 || i === 151);
    const result = judgeOnce({
      objective: titleFailuresPerSearch,
      before: measurement({ titleMatchFailures: 120, searchOps: 160 }, before),
      after: measurement({ titleMatchFailures: 110, searchOps: 160 }, after),
      settings: settings(),
    });
    expect(result.evidence.test).toMatchObject({ kind: 'mcnemar', stillFailing: 108 });
    expect(result.evidence.effectPct).toBeLessThan(10);
    expect(result.decision).not.toBe('KEEP');
  });

  it('rolls back a fix that broke 7 items that were fine: e-value 425/11 = 38.6', () => {
    const result = judgeOnce({
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
    expect(result.evidence.test?.pValue).toBeCloseTo(11 / 425, 12);
    expect(result.evidence.effectPct).toBeCloseTo(-350, 10);
  });

  it('does not ask for MODIFY when as many items broke as were fixed: noise looks the same', () => {
    // 30 items, 10 failing before; after, items 0-2 are fixed and items 10-12 broke: 10 failing again.
    const after = items('m', 30, (i) => (i >= 3 && i < 10) || (i >= 10 && i < 13));
    const result = judgeOnce({
      objective: titleFailuresPerSearch,
      before: measurement(
        { titleMatchFailures: 10, searchOps: 30 },
        items('m', 30, (i) => i < 10),
      ),
      after: measurement({ titleMatchFailures: 10, searchOps: 30 }, after),
      settings: settings(),
    });
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('budget-spent');
    expect(result.evidence.test).toMatchObject({
      kind: 'mcnemar',
      fixed: ['m0', 'm1', 'm2'],
      broken: ['m10', 'm11', 'm12'],
    });
    expect(result.evidence.test?.pValue).toBeCloseTo(1, 12);
  });

  it('never keeps on too few samples, even when the test is significant', () => {
    // 8 items, all failing before and fixed after: e-value 74.7 >= 20, but 8 < 20 samples.
    const input = {
      objective: titleFailuresPerSearch,
      before: measurement(
        { titleMatchFailures: 8, searchOps: 8 },
        items('m', 8, () => true),
      ),
      after: measurement(
        { titleMatchFailures: 0, searchOps: 8 },
        items('m', 8, () => false),
      ),
      settings: settings(),
    };
    const result = judgeOnce(input);
    expect(result.evidence.test?.pValue).toBeCloseTo(33 / 2465, 12);
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('budget-spent');
    expect(result.rationale).toContain('samples 8 (minimum 20)');
    expect(judgeOnce({ ...input, canContinue: true }).decision).toBe('CONTINUE');
  });

  it('compares counts per search with the conditional Poisson test when there are no items', () => {
    const result = judgeOnce({
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
    const result = judgeOnce({
      objective: urlErrorsPerSearch,
      before: measurement({ urlErrors: 12, searchOps: 500 }),
      after: measurement({ urlErrors: 25, searchOps: 600 }),
      settings: settings(),
    });
    // scipy.stats.binomtest(12, 37, 500 / 1100).pvalue = 0.13706
    expect(result.evidence.test?.pValue).toBeCloseTo(0.13706, 4);
    expect(result.evidence.testDirection).toBe('worse');
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('budget-spent');
  });

  it('rolls back when a critical metric rose significantly even though the objective improved', () => {
    // updateExceptions 2 -> 15 per 1000 searches: 2 of 17 at one half, p = 2 * (1 + 17 + 136) / 2^17,
    // under the alpha the one critical metric gets at look 1: 0.025 * 6 / pi^2 = 0.0152.
    const result = judgeOnce({
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
    const result = judgeOnce({
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
    const result = judgeOnce({
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
    const result = judgeOnce({
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
    const result = judgeOnce({
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

  it('treats the same p-value differently at a later look: the alpha spent shrinks as 1/k^2', () => {
    // 30 vs 12 errors per 1000 searches: scipy.stats.binomtest(30, 42, 0.5).pvalue = 0.0079159
    const input = {
      objective: urlErrorsPerSearch,
      before: measurement({ urlErrors: 30, searchOps: 1000 }),
      after: measurement({ urlErrors: 12, searchOps: 1000 }),
      settings: settings(),
    };
    const first = judgeOnce(input);
    const third = judgeOnce({ ...input, look: 3 });
    expect(first.evidence.test?.pValue).toBeCloseTo(0.0079159, 6);
    expect(first.decision).toBe('KEEP');
    expect(third.evidence.test?.threshold).toBeCloseTo((0.05 * 6) / (9 * Math.PI ** 2), 12);
    expect(third.decision).toBe('MONITOR');
  });

  it('pools rounds: 5 fixed of 20 is not enough, 5 + 3 fixed of 40 is', () => {
    const objective = titleFailuresPerSearch;
    const before = measurement(
      { titleMatchFailures: 20, searchOps: 40 },
      items('m', 40, (i) => i % 2 === 0),
    );
    const roundOne = measurement(
      { titleMatchFailures: 5, searchOps: 20 },
      items('m', 20, (i) => i % 2 === 0 && i >= 10),
    );
    const roundTwo = measurement(
      { titleMatchFailures: 7, searchOps: 20 },
      items('m', 40, (i) => i % 2 === 0 && i >= 26).slice(20),
    );
    const first = tallyRound(objective, before, roundOne, []);
    expect(first.paired?.fixed).toHaveLength(5);
    const look1 = judge({
      objective,
      before,
      tally: first,
      settings: settings(),
      look: 1,
      canContinue: true,
    });
    expect(look1.decision).toBe('CONTINUE');
    const pooled = mergeTallies(first, tallyRound(objective, before, roundTwo, [], new Set(first.itemsSeen)));
    expect(pooled.paired).toMatchObject({ stillOk: 20, broken: [] });
    expect(pooled.paired?.fixed).toHaveLength(8);
    const look2 = judge({
      objective,
      before,
      tally: pooled,
      settings: settings(),
      look: 2,
      canContinue: true,
    });
    expect(look2.decision).toBe('KEEP');
    expect(look2.evidence.test).toMatchObject({ samples: 40, eValue: expect.closeTo(2465 / 33, 9) });
  });

  it('never counts an item twice: a round that refreshes a seen item adds nothing for it', () => {
    const before = measurement({ titleMatchFailures: 1, searchOps: 2 }, [
      ['a', false],
      ['b', true],
    ]);
    const after = measurement({ titleMatchFailures: 0, searchOps: 2 }, [
      ['a', true],
      ['b', true],
    ]);
    const tally = tallyRound(titleFailuresPerSearch, before, after, [], new Set(['a']));
    expect(tally.itemsSeen).toEqual(['b']);
    expect(tally.paired).toMatchObject({ fixed: [], stillOk: 1 });
  });

  it('asks for MODIFY only when new error types are significantly frequent, never for one event', () => {
    const before = measurement({ urlErrors: 30, searchOps: 400 });
    const after = (count: number): AggregateResult => ({
      metrics: { urlErrors: 3, searchOps: 40 },
      errorTypes: [{ id: 'new-crash', count }],
    });
    // All of n new events in the after window's 40 of 440 searches: p = (1/11)^n.
    const one = judgeOnce({ objective: urlErrorsPerSearch, before, after: after(1), settings: settings() });
    expect(one.evidence.newErrors?.pValue).toBeCloseTo(1 / 11, 12);
    expect(one.decision).not.toBe('MODIFY');
    const three = judgeOnce({ objective: urlErrorsPerSearch, before, after: after(3), settings: settings() });
    expect(three.evidence.newErrors?.pValue).toBeCloseTo(1 / 1331, 12);
    expect(three.decision).toBe('MODIFY');
    expect(three.rule).toBe('items-broke');
    expect(three.rationale).toContain('new-crash');
    // A type the logs or the baseline saw before the fix is not new, even if the pretest missed it.
    const known = tallyRound(urlErrorsPerSearch, before, after(3), [], new Set(), new Set(['new-crash']));
    expect(known.newErrors.after).toBe(0);
    const judged = judge({
      objective: urlErrorsPerSearch,
      before,
      tally: known,
      settings: settings(),
      look: 1,
      canContinue: false,
    });
    expect(judged.decision).not.toBe('MODIFY');
  });

  it('with paired items, asks for MODIFY only when at least two items broke as well', () => {
    const objective = titleFailuresPerSearch;
    const before = measurement(
      { titleMatchFailures: 10, searchOps: 400 },
      items('m', 40, (i) => i < 10),
    );
    const after = (broken: number): AggregateResult => ({
      ...measurement(
        { titleMatchFailures: 10, searchOps: 40 },
        items('m', 40, (i) => (i >= 2 && i < 10) || (i >= 10 && i < 10 + broken)),
      ),
      errorTypes: [{ id: 'new-crash', count: 5 }],
    });
    // (40/440)^5: significant, but a renamed error type with nothing broken is no MODIFY.
    const none = judgeOnce({ objective, before, after: after(0), settings: settings() });
    expect(none.evidence.newErrors?.significant).toBe(true);
    expect(none.decision).not.toBe('MODIFY');
    const two = judgeOnce({ objective, before, after: after(2), settings: settings() });
    expect(two.decision).toBe('MODIFY');
  });
});
