import {
  type AggregateResult,
  alphaSpentAtLook,
  type Decision,
  describeObjective,
  fisherExactTest,
  improvementPct,
  type Objective,
  objectiveValue,
  pairedMixtureEValue,
  poissonRateInterval,
  poissonRatesTest,
  wilsonRate,
} from '@ratchet/core';
import { formatEValue, formatNumber, formatPValue, formatRate } from './format.js';
import type { CountsTally, Tally } from './tally.js';

export { formatEValue, formatNumber, formatPValue, formatRate } from './format.js';

export interface JudgeSettings {
  /** The error rate: false KEEP plus false ROLLBACK of a fix that does nothing, retests included. */
  alpha: number;
  /** Fewer samples than this is never enough to KEEP (the test goes on instead). */
  minSamples: number;
  /** The smallest improvement of the objective, in percent, worth keeping. */
  minEffectPct: number;
  /** Metrics (lower is better) whose significant rise rolls the fix back whatever the objective says. */
  criticalMetrics: string[];
  /** Items the test of one fix may refresh after it, over all its rounds and retests. */
  maxItems: number;
  /** Refresh rounds (or count windows) the test of one fix may run before it answers MONITOR. */
  maxRounds: number;
  /** Milliseconds the count test of one fix (`refresh.kind: 'wait'`) may wait for traffic in all. */
  maxWait: number;
}

export const DEFAULT_JUDGE_SETTINGS: JudgeSettings = {
  alpha: 0.05,
  minSamples: 20,
  minEffectPct: 10,
  criticalMetrics: [],
  maxItems: 160,
  maxRounds: 8,
  maxWait: 3_600_000,
};

/** CONTINUE: not decided yet, and more evidence can be had now. The test phase never returns it. */
export type JudgeDecision = Decision | 'CONTINUE';

export interface JudgeInput {
  objective: Objective;
  before: AggregateResult;
  /** Everything measured since the fix was applied, pooled; null when nothing was measured. */
  tally: Tally | null;
  /** Why the refresh or the measurement failed, when it did. */
  measurementError?: string;
  settings: JudgeSettings;
  /** Looks at the evidence so far, this one included; retests go on counting. */
  look: number;
  /** Whether the test can still gather more evidence now (budget and items left). */
  canContinue: boolean;
}

export type JudgeRule =
  | 'measurement-failed'
  | 'no-data'
  | 'critical-metric-regressed'
  | 'significant-regression'
  | 'significant-improvement'
  | 'items-broke'
  | 'continue'
  | 'budget-spent';

export interface RateSummary {
  value: number | null;
  numerator: number;
  denominator: number | null;
  /** Wilson 95% interval when the rate is a proportion (events out of trials). */
  wilson?: { low: number; high: number };
  /** Garwood 95% interval on events per unit of exposure. */
  garwood?: { low: number; high: number };
}

interface TestBase {
  name: string;
  /** An always-valid p-value (paired) or the exact test's p-value at this look. */
  pValue: number;
  /** The p-value must be at or under this to count: alpha (paired) or the alpha spent at this look. */
  threshold: number;
  samples: number;
}

export type StatisticalTest =
  | (TestBase & {
      kind: 'mcnemar';
      /** The beta-binomial mixture e-value; significant at 1/alpha. */
      eValue: number;
      fixed: string[];
      broken: string[];
      stillFailing: number;
      stillOk: number;
      failingBefore: RateSummary;
      failingAfter: RateSummary;
    })
  | (TestBase & {
      kind: 'fisher';
      failingBefore: RateSummary;
      failingAfter: RateSummary;
      oddsRatio: number;
    })
  | (TestBase & { kind: 'poisson'; exposureUnit: string; rateRatio: number; expectedShare: number });

export interface CriticalMetricCheck {
  metric: string;
  before: RateSummary;
  after: RateSummary;
  pValue: number | null;
  threshold: number;
  regressed: boolean;
}

export interface NewErrorsCheck {
  types: Record<string, number>;
  events: number;
  /** One-sided: P(all these events fall after the fix) if their rate did not change. */
  pValue: number | null;
  threshold: number;
  significant: boolean;
}

export interface Judgement {
  decision: JudgeDecision;
  rule: JudgeRule;
  rationale: string;
  indicators: { met: number; total: number; items: string[] };
  evidence: {
    objective: string;
    before: RateSummary;
    after: RateSummary | null;
    effectPct: number | null;
    test: StatisticalTest | null;
    /** The direction the test saw: better, worse, or no difference at all. */
    testDirection: 'better' | 'worse' | 'same' | null;
    critical: CriticalMetricCheck[];
    newErrorTypes: string[];
    newErrors: NewErrorsCheck | null;
    look: number;
    thresholds: JudgeSettings;
    measurementError?: string;
  };
}

/**
 * How alpha is shared: the objective's test gets all of it, or half when critical metrics are
 * watched (the other half split between them), so a fix that does nothing is rolled back or kept
 * by mistake with probability at most alpha over all looks and retests. MODIFY has its own alpha.
 */
export function alphaShares(settings: JudgeSettings): {
  objective: number;
  critical: number;
  modify: number;
} {
  const critical = settings.criticalMetrics.length;
  return {
    objective: critical > 0 ? settings.alpha / 2 : settings.alpha,
    critical: critical > 0 ? settings.alpha / (2 * critical) : 0,
    modify: settings.alpha,
  };
}

/**
 * Decides KEEP / ROLLBACK / MODIFY, or CONTINUE while more evidence can be had, or MONITOR when it
 * cannot. Pure: the same pooled evidence and look give the same judgement, so every decision can be
 * replayed from test.json.
 */
export function judge(input: JudgeInput): Judgement {
  const { objective, before, tally, settings, look } = input;
  const beforeRate = summarizeObjective(objective, before);
  const base = {
    objective: describeObjective(objective),
    before: beforeRate,
    thresholds: settings,
    critical: [] as CriticalMetricCheck[],
    newErrorTypes: [] as string[],
    newErrors: null,
    look,
  };
  if (!tally || input.measurementError) {
    return finish('MONITOR', 'measurement-failed', {
      ...base,
      after: null,
      effectPct: null,
      test: null,
      testDirection: null,
      measurementError: input.measurementError ?? 'the measurement returned nothing',
    });
  }
  const shares = alphaShares(settings);
  const { numerator, denominator } = tally.objectiveAfter;
  const afterRate = summarizeCounts(
    denominator === null ? numerator : denominator > 0 ? numerator / denominator : null,
    numerator,
    denominator,
  );
  const test = chooseTest(tally, look, shares.objective);
  const testDirection = test ? directionOf(test, objective) : null;
  const effectPct = effectOf(objective, test, tally, beforeRate, afterRate);
  const critical = settings.criticalMetrics.map((metric) =>
    checkCritical(metric, tally.critical[metric] ?? null, look, shares.critical),
  );
  const newErrors = checkNewErrors(tally, look, shares.modify);
  const evidence: Judgement['evidence'] = {
    ...base,
    after: afterRate,
    effectPct,
    test,
    testDirection,
    critical,
    newErrorTypes: Object.keys(tally.newErrors.types),
    newErrors,
  };
  const undecided = (rule: JudgeRule) =>
    input.canContinue ? finish('CONTINUE', 'continue', evidence) : finish('MONITOR', rule, evidence);

  if (!test || afterRate.value === null || beforeRate.value === null) return undecided('no-data');
  if (critical.some((check) => check.regressed))
    return finish('ROLLBACK', 'critical-metric-regressed', evidence);
  const significant = test.pValue <= test.threshold;
  if (significant && testDirection === 'worse') return finish('ROLLBACK', 'significant-regression', evidence);
  // The minimum effect guards against trading broken items for fixed ones for a small gain. A paired
  // test in which items were fixed and none broke is no trade: a fix aimed at a few items (corrupt
  // bundles, say) is kept on that evidence however small its share of the sample.
  const noTrade = test.kind === 'mcnemar' && test.broken.length === 0 && test.fixed.length > 0;
  if (
    significant &&
    testDirection === 'better' &&
    test.samples >= settings.minSamples &&
    effectPct !== null &&
    (effectPct >= settings.minEffectPct || (noTrade && effectPct > 0))
  ) {
    return finish('KEEP', 'significant-improvement', evidence);
  }
  // With paired items, new error types are evidence that items broke only if items did break: a
  // fix that renames what it logs (retries logging a new 429 type, say) breaks nothing.
  const itemsBroke = test.kind !== 'mcnemar' || test.broken.length >= 2;
  if (newErrors?.significant && itemsBroke) return finish('MODIFY', 'items-broke', evidence);
  return undecided('budget-spent');
}

function finish(decision: JudgeDecision, rule: JudgeRule, evidence: Judgement['evidence']): Judgement {
  const indicators = successIndicators(evidence);
  return { decision, rule, rationale: explain(decision, rule, evidence, indicators), indicators, evidence };
}

export function summarizeObjective(objective: Objective, measurement: AggregateResult): RateSummary {
  const { value, numerator, denominator } = objectiveValue(objective, measurement.metrics);
  return summarizeCounts(value, numerator, denominator);
}

function summarizeCounts(value: number | null, numerator: number, denominator: number | null): RateSummary {
  const summary: RateSummary = { value, numerator, denominator };
  const integral = Number.isInteger(numerator) && numerator >= 0;
  if (
    integral &&
    denominator !== null &&
    Number.isInteger(denominator) &&
    denominator > 0 &&
    numerator <= denominator
  ) {
    const { low, high } = wilsonRate(numerator, denominator);
    summary.wilson = { low, high };
  }
  if (integral && denominator !== null && denominator > 0) {
    const { low, high } = poissonRateInterval(numerator, denominator);
    summary.garwood = { low, high };
  }
  return summary;
}

/**
 * The paired test when the same items were seen before and after (the usual case: the pretest
 * measured them), Fisher on items when both sides have items but different ones, else the
 * conditional Poisson test on counts. The kind depends only on what the measurements hold, never on
 * the numbers, so every look of one test uses the same method.
 */
function chooseTest(tally: Tally, look: number, alpha: number): StatisticalTest | null {
  if (tally.paired) {
    const { fixed, broken, stillFailing, stillOk } = tally.paired;
    const samples = fixed.length + broken.length + stillFailing + stillOk;
    const eValue = pairedMixtureEValue(fixed.length, broken.length);
    const failingBefore = fixed.length + stillFailing;
    const failingAfter = broken.length + stillFailing;
    return {
      kind: 'mcnemar',
      name: 'sequential paired test (beta-binomial mixture e-value) on the same items before and after',
      eValue,
      pValue: Math.min(1, 1 / eValue),
      threshold: alpha,
      samples,
      fixed,
      broken,
      stillFailing,
      stillOk,
      failingBefore: summarizeCounts(failingBefore / samples, failingBefore, samples),
      failingAfter: summarizeCounts(failingAfter / samples, failingAfter, samples),
    };
  }
  if (tally.items) {
    const { failingBefore, itemsBefore, failingAfter, itemsAfter } = tally.items;
    const result = fisherExactTest({
      aEvents: failingBefore,
      aTotal: itemsBefore,
      bEvents: failingAfter,
      bTotal: itemsAfter,
    });
    return {
      kind: 'fisher',
      name: "Fisher's exact test on failing items before and after, group-sequential",
      pValue: result.pValue,
      threshold: alphaSpentAtLook(alpha, look),
      samples: Math.min(itemsBefore, itemsAfter),
      failingBefore: summarizeCounts(failingBefore / itemsBefore, failingBefore, itemsBefore),
      failingAfter: summarizeCounts(failingAfter / itemsAfter, failingAfter, itemsAfter),
      oddsRatio: result.oddsRatio,
    };
  }
  const counts = tally.counts;
  if (!counts || !(counts.afterExposure > 0) || !(counts.beforeExposure > 0)) return null;
  const result = poissonRatesTest(counts.before, counts.beforeExposure, counts.after, counts.afterExposure);
  return {
    kind: 'poisson',
    name: `exact conditional Poisson test on counts per ${counts.unit}, group-sequential`,
    pValue: result.pValue,
    threshold: alphaSpentAtLook(alpha, look),
    samples:
      counts.unit === 'hour of window'
        ? counts.before + counts.after
        : Math.min(counts.beforeExposure, counts.afterExposure),
    exposureUnit: counts.unit,
    rateRatio: result.rateRatio,
    expectedShare: result.expectedShare,
  };
}

/**
 * The improvement in percent: of the failing share on the paired items (the items the test saw
 * both times), else of the objective's rate. Counts without `per` are divided by the windows'
 * lengths, since a 1-hour window cannot be compared with 24 hours.
 */
function effectOf(
  objective: Objective,
  test: StatisticalTest | null,
  tally: Tally,
  beforeRate: RateSummary,
  afterRate: RateSummary,
): number | null {
  if (test?.kind === 'mcnemar') {
    const lower: Objective = { metric: 'failing items', direction: 'lower' };
    return improvementPct(lower, test.failingBefore.value, test.failingAfter.value);
  }
  const counts = tally.counts;
  if (!objective.per && counts && counts.beforeExposure > 0 && counts.afterExposure > 0)
    return improvementPct(
      objective,
      counts.before / counts.beforeExposure,
      counts.after / counts.afterExposure,
    );
  return improvementPct(objective, beforeRate.value, afterRate.value);
}

function directionOf(test: StatisticalTest, objective: Objective): 'better' | 'worse' | 'same' {
  if (test.kind === 'mcnemar') return compare(test.fixed.length, test.broken.length);
  if (test.kind === 'fisher') return compare(test.failingBefore.value ?? 0, test.failingAfter.value ?? 0);
  const rateRatio = test.rateRatio;
  if (Number.isNaN(rateRatio) || rateRatio === 1) return 'same';
  const lowerIsBetter = objective.direction !== 'higher';
  return rateRatio > 1 === lowerIsBetter ? 'better' : 'worse';
}

/** 'better' when the first (what should shrink) is larger than the second. */
function compare(shouldShrink: number, grew: number): 'better' | 'worse' | 'same' {
  if (shouldShrink > grew) return 'better';
  if (shouldShrink < grew) return 'worse';
  return 'same';
}

function rateOf(count: number, exposure: number): RateSummary {
  return summarizeCounts(exposure > 0 ? count / exposure : null, count, exposure);
}

function checkCritical(
  metric: string,
  counts: CountsTally | null,
  look: number,
  alpha: number,
): CriticalMetricCheck {
  const threshold = alphaSpentAtLook(alpha, look);
  if (!counts || !(counts.beforeExposure > 0) || !(counts.afterExposure > 0)) {
    return {
      metric,
      before: rateOf(counts?.before ?? 0, counts?.beforeExposure ?? 0),
      after: rateOf(counts?.after ?? 0, counts?.afterExposure ?? 0),
      pValue: null,
      threshold,
      regressed: false,
    };
  }
  const { pValue } = poissonRatesTest(
    counts.before,
    counts.beforeExposure,
    counts.after,
    counts.afterExposure,
  );
  const rose = counts.after / counts.afterExposure > counts.before / counts.beforeExposure;
  return {
    metric,
    before: rateOf(counts.before, counts.beforeExposure),
    after: rateOf(counts.after, counts.afterExposure),
    pValue,
    threshold,
    regressed: rose && pValue <= threshold,
  };
}

/**
 * Items broke when error types that did not occur before the fix occur after it, more often than
 * luck allows: with no such event before, all n events falling after has probability s^n, s being
 * the after window's share of the exposure. One newly broken item is never enough.
 */
function checkNewErrors(tally: Tally, look: number, alpha: number): NewErrorsCheck | null {
  const { types, after, afterExposure } = tally.newErrors;
  if (after === 0) return null;
  const threshold = alphaSpentAtLook(alpha, look);
  const beforeExposure = tally.counts?.beforeExposure ?? 0;
  if (!(beforeExposure > 0) || !(afterExposure > 0))
    return { types, events: after, pValue: null, threshold, significant: false };
  const share = afterExposure / (afterExposure + beforeExposure);
  const pValue = share ** after;
  return { types, events: after, pValue, threshold, significant: pValue <= threshold };
}

function successIndicators(evidence: Judgement['evidence']): Judgement['indicators'] {
  const { thresholds, test, effectPct } = evidence;
  const checks: [boolean, string][] = [
    [evidence.after !== null && evidence.after.value !== null, 'the measurement succeeded and saw traffic'],
    [test !== null && test.samples >= thresholds.minSamples, `at least ${thresholds.minSamples} samples`],
    [
      effectPct !== null && effectPct >= thresholds.minEffectPct,
      `the objective improved by at least ${thresholds.minEffectPct}%`,
    ],
    [
      test !== null && test.pValue <= test.threshold && evidence.testDirection === 'better',
      'the improvement is significant',
    ],
    [!evidence.critical.some((check) => check.regressed), 'no critical metric regressed'],
    [!evidence.newErrors?.significant, 'no significant new errors'],
  ];
  return {
    met: checks.filter(([ok]) => ok).length,
    total: checks.length,
    items: checks.map(([ok, text]) => `${ok ? '[x]' : '[ ]'} ${text}`),
  };
}

const RULE_TEXT: Record<JudgeRule, string> = {
  'measurement-failed': 'the refresh or the measurement failed, which says nothing about the fix',
  'no-data': 'the measurement saw no traffic to compare, and no more can be had now',
  'critical-metric-regressed': 'a critical metric rose significantly',
  'significant-regression': 'the objective got significantly worse',
  'significant-improvement': 'the objective improved by at least the minimum effect, significantly',
  'items-broke': 'error types that did not occur before the fix occur after it, significantly often',
  continue: 'not decided yet: the test goes on',
  'budget-spent': 'the evidence is not decisive and the test budget is spent',
};

function describeTest(test: StatisticalTest, alpha: number): string {
  if (test.kind === 'mcnemar') {
    return `${test.fixed.length} fixed, ${test.broken.length} newly broken, ${test.stillFailing} still failing, ${test.stillOk} still fine; failing ${formatRate(test.failingBefore)} -> ${formatRate(test.failingAfter)}; e-value ${formatEValue(test.eValue)} (decides at ${formatNumber(1 / alpha)} = 1/${alpha})`;
  }
  const spent = `p = ${formatPValue(test.pValue)} (decides at ${formatPValue(test.threshold)}, the alpha spent at this look)`;
  if (test.kind === 'fisher')
    return `failing items ${formatRate(test.failingBefore)} -> ${formatRate(test.failingAfter)}; ${spent}`;
  return `rate ratio before/after ${formatNumber(test.rateRatio)}; ${spent}`;
}

function explain(
  decision: JudgeDecision,
  rule: JudgeRule,
  evidence: Judgement['evidence'],
  indicators: Judgement['indicators'],
): string {
  const { thresholds, test } = evidence;
  const parts = [`${decision} (rule ${rule}): ${RULE_TEXT[rule]}.`];
  if (evidence.measurementError) parts.push(`Measurement: ${evidence.measurementError}.`);
  if (evidence.after) {
    const effect =
      evidence.effectPct === null
        ? 'no computable change'
        : `${evidence.effectPct >= 0 ? 'an improvement' : 'a worsening'} of ${formatNumber(Math.abs(evidence.effectPct))}%`;
    parts.push(
      `Objective ${evidence.objective}: ${formatRate(evidence.before)} before, ${formatRate(evidence.after)} after, ${effect} (minimum effect ${thresholds.minEffectPct}%).`,
    );
  }
  if (test) {
    const alpha = test.kind === 'mcnemar' ? test.threshold : alphaShares(thresholds).objective;
    parts.push(
      `${capitalize(test.name)}, look ${evidence.look}: ${describeTest(test, alpha)}; samples ${formatNumber(test.samples)} (minimum ${thresholds.minSamples}).`,
    );
  }
  const regressed = evidence.critical.filter((check) => check.regressed);
  if (regressed.length > 0) {
    parts.push(
      `Critical metrics regressed: ${regressed.map((check) => `${check.metric} ${formatRate(check.before)} -> ${formatRate(check.after)}, p = ${formatPValue(check.pValue ?? 1)}`).join('; ')}.`,
    );
  }
  if (evidence.newErrorTypes.length > 0) {
    const p = evidence.newErrors?.pValue;
    parts.push(
      `New error types: ${evidence.newErrorTypes.slice(0, 5).join(', ')} (${evidence.newErrors?.events ?? 0} events${p === null || p === undefined ? '' : `, p = ${formatPValue(p)}`}).`,
    );
  }
  parts.push(`Success indicators met: ${indicators.met} of ${indicators.total}.`);
  return parts.join(' ');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
