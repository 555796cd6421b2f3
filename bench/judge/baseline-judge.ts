// The judge as it was before issue 18 (one fixed-size test, MONITOR when undecided), kept verbatim
// so the benchmark can run it beside the sequential one. Not used by Ratchet itself.
import {
  type AggregateResult,
  type Decision,
  describeObjective,
  exactMcNemarTest,
  fisherExactTest,
  improvementPct,
  type Objective,
  objectiveValue,
  poissonRateInterval,
  poissonRatesTest,
  wilsonRate,
} from '../../packages/core/src/index.js';

export interface JudgeSettings {
  /** Significance level of the two-sided exact tests. */
  alpha: number;
  /** Fewer samples than this is inconclusive (MONITOR), never KEEP. */
  minSamples: number;
  /** The smallest improvement of the objective, in percent, worth keeping. */
  minEffectPct: number;
  /** Metrics (lower is better) whose significant rise rolls the fix back whatever the objective says. */
  criticalMetrics: string[];
}

export const DEFAULT_JUDGE_SETTINGS: JudgeSettings = {
  alpha: 0.05,
  minSamples: 20,
  minEffectPct: 10,
  criticalMetrics: [],
};

export interface JudgeInput {
  objective: Objective;
  before: AggregateResult;
  /** The fresh measurement; absent when it failed. */
  after: AggregateResult | undefined;
  /** Why the refresh or the measurement failed, when it did. */
  measurementError?: string;
  settings: JudgeSettings;
}

export type JudgeRule =
  | 'measurement-failed'
  | 'no-data'
  | 'critical-metric-regressed'
  | 'significant-regression'
  | 'too-few-samples'
  | 'significant-improvement'
  | 'small-effect-items-broke'
  | 'inconclusive';

export interface RateSummary {
  value: number | null;
  numerator: number;
  denominator: number | null;
  /** Wilson 95% interval when the rate is a proportion (events out of trials). */
  wilson?: { low: number; high: number };
  /** Garwood 95% interval on events per unit of exposure. */
  garwood?: { low: number; high: number };
}

export type StatisticalTest =
  | {
      kind: 'mcnemar';
      name: string;
      pValue: number;
      samples: number;
      fixed: string[];
      broken: string[];
      stillFailing: number;
      stillOk: number;
      failingBefore: RateSummary;
      failingAfter: RateSummary;
    }
  | {
      kind: 'fisher';
      name: string;
      pValue: number;
      samples: number;
      failingBefore: RateSummary;
      failingAfter: RateSummary;
      oddsRatio: number;
    }
  | {
      kind: 'poisson';
      name: string;
      pValue: number;
      samples: number;
      exposureUnit: string;
      rateRatio: number;
      expectedShare: number;
    };

export interface CriticalMetricCheck {
  metric: string;
  before: RateSummary;
  after: RateSummary;
  pValue: number | null;
  regressed: boolean;
}

export interface Judgement {
  decision: Decision;
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
    thresholds: JudgeSettings;
    measurementError?: string;
  };
}

/**
 * Decides KEEP / ROLLBACK / MONITOR / MODIFY from two measurements. Pure: same inputs, same
 * judgement, so every decision can be replayed from test.json.
 */
export function judge(input: JudgeInput): Judgement {
  const { objective, before, after, settings } = input;
  const beforeRate = summarizeObjective(objective, before);
  const base = {
    objective: describeObjective(objective),
    before: beforeRate,
    thresholds: settings,
    critical: [] as CriticalMetricCheck[],
    newErrorTypes: [] as string[],
  };

  if (!after || input.measurementError) {
    const reason = input.measurementError ?? 'the measurement returned nothing';
    return finish('MONITOR', 'measurement-failed', {
      ...base,
      after: null,
      effectPct: null,
      test: null,
      testDirection: null,
      measurementError: reason,
    });
  }

  const afterRate = summarizeObjective(objective, after);
  const effectPct = objectiveEffectPct(objective, before, after, beforeRate, afterRate);
  const test = chooseTest(objective, before, after, settings.minSamples);
  const testDirection = test ? directionOf(test, objective) : null;
  const critical = settings.criticalMetrics.map((metric) =>
    checkCritical(metric, objective, before, after, settings.alpha),
  );
  const beforeIds = new Set(before.errorTypes.map((type) => type.id));
  const newErrorTypes = after.errorTypes
    .filter((type) => type.count > 0 && !beforeIds.has(type.id))
    .map((type) => type.id);
  const evidence: Judgement['evidence'] = {
    ...base,
    after: afterRate,
    effectPct,
    test,
    testDirection,
    critical,
    newErrorTypes,
  };

  if (afterRate.value === null || beforeRate.value === null || !test) {
    return finish('MONITOR', 'no-data', evidence);
  }
  if (critical.some((check) => check.regressed))
    return finish('ROLLBACK', 'critical-metric-regressed', evidence);
  const significant = test.pValue < settings.alpha;
  if (significant && testDirection === 'worse') return finish('ROLLBACK', 'significant-regression', evidence);
  if (test.samples < settings.minSamples) return finish('MONITOR', 'too-few-samples', evidence);
  if (significant && testDirection === 'better' && effectPct !== null && effectPct >= settings.minEffectPct) {
    return finish('KEEP', 'significant-improvement', evidence);
  }
  const brokeSomething = test.kind === 'mcnemar' ? test.broken.length > 0 : newErrorTypes.length > 0;
  if (effectPct !== null && Math.abs(effectPct) < settings.minEffectPct && brokeSomething) {
    return finish('MODIFY', 'small-effect-items-broke', evidence);
  }
  return finish('MONITOR', 'inconclusive', evidence);
}

function finish(decision: Decision, rule: JudgeRule, evidence: Judgement['evidence']): Judgement {
  const indicators = successIndicators(evidence);
  return { decision, rule, rationale: explain(decision, rule, evidence, indicators), indicators, evidence };
}

/**
 * The improvement in percent. An objective without `per` is a raw count: it is divided by the
 * windows' lengths when both are known, since a 1-hour window cannot be compared with 24 hours.
 */
function objectiveEffectPct(
  objective: Objective,
  before: AggregateResult,
  after: AggregateResult,
  beforeRate: RateSummary,
  afterRate: RateSummary,
): number | null {
  if (!objective.per) {
    const a = windowHours(before);
    const b = windowHours(after);
    if (a !== null && b !== null)
      return improvementPct(objective, beforeRate.numerator / a, afterRate.numerator / b);
  }
  return improvementPct(objective, beforeRate.value, afterRate.value);
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

function itemOutcomes(measurement: AggregateResult): Map<string, boolean> {
  const outcomes = new Map<string, boolean>();
  for (const { item, ok } of measurement.items ?? []) outcomes.set(item, (outcomes.get(item) ?? true) && ok);
  return outcomes;
}

/**
 * Paired McNemar when the same items were seen before and after, Fisher on items when both sides
 * have per-item outcomes for different items, else the conditional Poisson test on the objective's
 * counts per exposure. The first one with enough samples wins; with none, the first available.
 */
function chooseTest(
  objective: Objective,
  before: AggregateResult,
  after: AggregateResult,
  minSamples: number,
): StatisticalTest | null {
  const candidates: StatisticalTest[] = [];
  const beforeItems = itemOutcomes(before);
  const afterItems = itemOutcomes(after);
  const paired = [...afterItems.keys()].filter((item) => beforeItems.has(item)).sort();
  if (paired.length > 0) {
    const fixed = paired.filter((item) => beforeItems.get(item) === false && afterItems.get(item) === true);
    const broken = paired.filter((item) => beforeItems.get(item) === true && afterItems.get(item) === false);
    const stillFailing = paired.filter((item) => !beforeItems.get(item) && !afterItems.get(item)).length;
    const failingBefore = paired.filter((item) => !beforeItems.get(item)).length;
    const failingAfter = paired.filter((item) => !afterItems.get(item)).length;
    candidates.push({
      kind: 'mcnemar',
      name: 'exact McNemar test on the same items before and after',
      pValue: exactMcNemarTest(fixed.length, broken.length).pValue,
      samples: paired.length,
      fixed,
      broken,
      stillFailing,
      stillOk: paired.length - fixed.length - broken.length - stillFailing,
      failingBefore: summarizeCounts(failingBefore / paired.length, failingBefore, paired.length),
      failingAfter: summarizeCounts(failingAfter / paired.length, failingAfter, paired.length),
    });
  }
  if (beforeItems.size > 0 && afterItems.size > 0) {
    const failingBefore = [...beforeItems.values()].filter((ok) => !ok).length;
    const failingAfter = [...afterItems.values()].filter((ok) => !ok).length;
    const result = fisherExactTest({
      aEvents: failingBefore,
      aTotal: beforeItems.size,
      bEvents: failingAfter,
      bTotal: afterItems.size,
    });
    candidates.push({
      kind: 'fisher',
      name: "Fisher's exact test on failing items before and after",
      pValue: result.pValue,
      samples: Math.min(beforeItems.size, afterItems.size),
      failingBefore: summarizeCounts(failingBefore / beforeItems.size, failingBefore, beforeItems.size),
      failingAfter: summarizeCounts(failingAfter / afterItems.size, failingAfter, afterItems.size),
      oddsRatio: result.oddsRatio,
    });
  }
  const poisson = poissonOnObjective(objective, before, after);
  if (poisson) candidates.push(poisson);
  return candidates.find((test) => test.samples >= minSamples) ?? candidates[0] ?? null;
}

function poissonOnObjective(
  objective: Objective,
  before: AggregateResult,
  after: AggregateResult,
): StatisticalTest | null {
  const a = objectiveValue(objective, before.metrics);
  const b = objectiveValue(objective, after.metrics);
  if (!isCount(a.numerator) || !isCount(b.numerator)) return null;
  const exposure = exposures(objective, before, after);
  if (!exposure) return null;
  const result = poissonRatesTest(a.numerator, exposure.before, b.numerator, exposure.after);
  return {
    kind: 'poisson',
    name: `exact conditional Poisson test on counts per ${exposure.unit}`,
    pValue: result.pValue,
    samples: exposure.samples,
    exposureUnit: exposure.unit,
    rateRatio: result.rateRatio,
    expectedShare: result.expectedShare,
  };
}

/** Exposure is the objective's `per` metric; without one, the windows' lengths in hours. */
function exposures(
  objective: Objective,
  before: AggregateResult,
  after: AggregateResult,
): { before: number; after: number; unit: string; samples: number } | null {
  if (objective.per) {
    const a = before.metrics[objective.per] ?? 0;
    const b = after.metrics[objective.per] ?? 0;
    return a > 0 && b > 0 ? { before: a, after: b, unit: objective.per, samples: Math.min(a, b) } : null;
  }
  const a = windowHours(before);
  const b = windowHours(after);
  if (a === null || b === null) return null;
  const events =
    objectiveValue(objective, before.metrics).numerator + objectiveValue(objective, after.metrics).numerator;
  return { before: a, after: b, unit: 'hour of window', samples: events };
}

function windowHours(measurement: AggregateResult): number | null {
  const start = Date.parse(measurement.window?.start ?? '');
  const end = Date.parse(measurement.window?.end ?? '');
  return Number.isFinite(start) && Number.isFinite(end) && end > start ? (end - start) / 3_600_000 : null;
}

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}

function directionOf(test: StatisticalTest, objective: Objective): 'better' | 'worse' | 'same' {
  if (test.kind === 'mcnemar') {
    return compare(test.fixed.length, test.broken.length);
  }
  if (test.kind === 'fisher') {
    return compare(test.failingBefore.value ?? 0, test.failingAfter.value ?? 0);
  }
  const rateRatio = test.rateRatio;
  const beforeIsHigher = rateRatio > 1 ? true : rateRatio < 1 ? false : undefined;
  if (beforeIsHigher === undefined || Number.isNaN(rateRatio)) return 'same';
  const lowerIsBetter = objective.direction !== 'higher';
  return beforeIsHigher === lowerIsBetter ? 'better' : 'worse';
}

/** 'better' when the first (what should shrink) is larger than the second. */
function compare(shouldShrink: number, grew: number): 'better' | 'worse' | 'same' {
  if (shouldShrink > grew) return 'better';
  if (shouldShrink < grew) return 'worse';
  return 'same';
}

function checkCritical(
  metric: string,
  objective: Objective,
  before: AggregateResult,
  after: AggregateResult,
  alpha: number,
): CriticalMetricCheck {
  const per: Objective = { metric, direction: 'lower', ...(objective.per ? { per: objective.per } : {}) };
  const a = summarizeObjective(per, before);
  const b = summarizeObjective(per, after);
  const exposure = exposures(per, before, after);
  if (!exposure || !isCount(a.numerator) || !isCount(b.numerator)) {
    return { metric, before: a, after: b, pValue: null, regressed: false };
  }
  const { pValue } = poissonRatesTest(a.numerator, exposure.before, b.numerator, exposure.after);
  const rateBefore = a.numerator / exposure.before;
  const rateAfter = b.numerator / exposure.after;
  return { metric, before: a, after: b, pValue, regressed: rateAfter > rateBefore && pValue < alpha };
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
      test !== null && test.pValue < thresholds.alpha && evidence.testDirection === 'better',
      `the change is significant (p < ${thresholds.alpha})`,
    ],
    [!evidence.critical.some((check) => check.regressed), 'no critical metric regressed'],
    [
      test?.kind === 'mcnemar' ? test.broken.length === 0 : evidence.newErrorTypes.length === 0,
      'nothing newly broken',
    ],
  ];
  return {
    met: checks.filter(([ok]) => ok).length,
    total: checks.length,
    items: checks.map(([ok, text]) => `${ok ? '[x]' : '[ ]'} ${text}`),
  };
}

const RULE_TEXT: Record<JudgeRule, string> = {
  'measurement-failed': 'the refresh or the measurement failed, which says nothing about the fix',
  'no-data': 'the measurement saw no traffic to compare',
  'critical-metric-regressed': 'a critical metric rose significantly',
  'significant-regression': 'the objective got significantly worse',
  'too-few-samples': 'too few samples to conclude either way',
  'significant-improvement': 'the objective improved by at least the minimum effect, significantly',
  'small-effect-items-broke': 'the net effect is small but specific items broke',
  inconclusive: 'the evidence is not strong enough either way',
};

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (value === 0) return '0';
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(1);
  if (Math.abs(value) >= 0.001) return value.toPrecision(3);
  return value.toExponential(2);
}

export function formatPValue(value: number): string {
  return value < 0.001 ? value.toExponential(2) : value.toFixed(3);
}

export function formatRate(rate: RateSummary): string {
  const counts = rate.denominator === null ? `${rate.numerator}` : `${rate.numerator}/${rate.denominator}`;
  const interval = rate.wilson
    ? { ...rate.wilson, name: 'Wilson' }
    : rate.garwood
      ? { ...rate.garwood, name: 'Garwood' }
      : null;
  const ci = interval
    ? ` [95% ${interval.name} ${formatNumber(interval.low)}-${formatNumber(interval.high)}]`
    : '';
  return `${formatNumber(rate.value)} (${counts})${ci}`;
}

function explain(
  decision: Decision,
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
    let detail = '';
    if (test.kind === 'mcnemar') {
      detail = `: ${test.fixed.length} fixed, ${test.broken.length} newly broken, ${test.stillFailing} still failing, ${test.stillOk} still fine; failing ${formatRate(test.failingBefore)} -> ${formatRate(test.failingAfter)}`;
    } else if (test.kind === 'fisher') {
      detail = `: failing items ${formatRate(test.failingBefore)} -> ${formatRate(test.failingAfter)}`;
    } else {
      detail = `: rate ratio before/after ${formatNumber(test.rateRatio)}`;
    }
    parts.push(
      `${capitalize(test.name)}${detail}; p = ${formatPValue(test.pValue)} (alpha ${thresholds.alpha}); samples ${formatNumber(test.samples)} (minimum ${thresholds.minSamples}).`,
    );
  }
  const regressed = evidence.critical.filter((check) => check.regressed);
  if (regressed.length > 0) {
    parts.push(
      `Critical metrics regressed: ${regressed.map((check) => `${check.metric} ${formatRate(check.before)} -> ${formatRate(check.after)}, p = ${formatPValue(check.pValue ?? 1)}`).join('; ')}.`,
    );
  }
  if (evidence.newErrorTypes.length > 0)
    parts.push(`New error types: ${evidence.newErrorTypes.slice(0, 5).join(', ')}.`);
  parts.push(`Success indicators met: ${indicators.met} of ${indicators.total}.`);
  return parts.join(' ');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
