import type { DecisionRecord } from '../../contracts/events.js';
import type { AggregateResult, ErrorType, Fix, Rate } from '../../contracts/schemas.js';
import type { IterationView, LoopState } from '../../contracts/state.js';
import { fixViews, iterationViews } from '../../engine/ledger.js';
import { describeObjective, improvementPct, objectiveValue } from '../../engine/objective.js';
import type { ValidReportInput } from './input.js';

export interface MetricComparison {
  name: string;
  baseline: number | null;
  final: number | null;
  change: number | null;
  /** Relative change in %; null when a value is missing or the baseline is 0 and the final is not. */
  changePct: number | null;
  /** The baseline is 0 and the final is not: a relative change has no meaning. */
  fromZero: boolean;
}

export interface RateComparison {
  name: string;
  baseline: Rate | null;
  final: Rate | null;
  change: number | null;
  changePct: number | null;
  fromZero: boolean;
}

export interface SeriesPoint {
  label: string;
  value: number | null;
}

export interface MetricSeries {
  name: string;
  /** What the chart shows: the metric, or the metric per the objective's denominator. */
  title: string;
  points: SeriesPoint[];
}

/** One step of the ratchet: the objective the system holds after a decision, and the value tested. */
export interface DecisionStep {
  label: string;
  /** The objective of the system as the decision left it (a rollback returns to the value before). */
  level: number | null;
  /** The value the test measured with the fix applied, when there was one. */
  tested: number | null;
  decision: DecisionRecord | undefined;
}

export type FixGroup = 'kept' | 'rolled-back' | 'failed';

export interface FixOutcome {
  fixId: string;
  name: string | undefined;
  group: FixGroup;
  /** The decision that put the fix in its group, when the decision log has one. */
  decision: DecisionRecord | undefined;
  fix: Fix | undefined;
  /** True when the fix was kept at first and later undone to restore the best known state. */
  restored: boolean;
}

export interface ErrorTypeComparison {
  id: string;
  category: string | undefined;
  baselineCount: number | null;
  finalCount: number | null;
  example: string | undefined;
}

export interface RecommendationEntry {
  source: 'diagnosis' | 'needs-research' | 'not-attempted';
  title: string;
  detail: string | undefined;
  targets: string[];
  examples: string[];
}

export interface ReportModel {
  title: string;
  generatedAt: Date;
  state: LoopState;
  objectiveDescription: string;
  objective: {
    baseline: number | null;
    final: number | null;
    best: number | null;
    change: number | null;
    /** Relative change of the value in %, whatever the direction. */
    changePct: number | null;
    fromZero: boolean;
    /** Positive means better in the objective's direction. */
    improvementPct: number | null;
  };
  counts: { kept: number; rolledBack: number; failed: number; decisions: number };
  metrics: MetricComparison[];
  rates: RateComparison[];
  objectiveSeries: SeriesPoint[];
  metricSeries: MetricSeries[];
  decisionSteps: DecisionStep[];
  history: IterationView[];
  decisions: DecisionRecord[];
  fixes: { kept: FixOutcome[]; rolledBack: FixOutcome[]; failed: FixOutcome[] };
  errorTypes: ErrorTypeComparison[];
  recommendations: RecommendationEntry[];
  conclusion: string[];
}

const MAX_ERROR_TYPES = 15;
/** A traceback can be thousands of lines; a report shows its head, enough to recognise it. */
export const MAX_EXAMPLE_CHARS = 2000;

export function clipExample(example: string): string {
  if (example.length <= MAX_EXAMPLE_CHARS) return example;
  return `${example.slice(0, MAX_EXAMPLE_CHARS)}\n… (${example.length - MAX_EXAMPLE_CHARS} more characters)`;
}

function compareNumbers(baseline: number | null, final: number | null) {
  if (baseline === null || final === null) return { change: null, changePct: null, fromZero: false };
  const change = final - baseline;
  if (baseline === 0) return { change, changePct: final === 0 ? 0 : null, fromZero: final !== 0 };
  return { change, changePct: (change / Math.abs(baseline)) * 100, fromZero: false };
}

/**
 * Each metric over the iterations. When the objective is a rate, metrics are charted per the same
 * denominator: a 24-hour baseline and a short test window see different traffic, so their raw
 * counts are not comparable (the denominator itself is still charted as a count).
 */
function metricSeries(
  names: string[],
  columns: Array<{ label: string; metrics: Readonly<Record<string, number>> | null }>,
  per: string | undefined,
): MetricSeries[] {
  return names.map((name) => {
    const asRate = per !== undefined && name !== per;
    return {
      name,
      title: asRate ? `${name} per ${per}` : name,
      points: columns.map((column) => {
        const value = finiteOrNull(column.metrics?.[name]);
        if (!asRate) return { label: column.label, value };
        const denominator = finiteOrNull(column.metrics?.[per]);
        return { label: column.label, value: value === null || !denominator ? null : value / denominator };
      }),
    };
  });
}

function metricNames(...sources: Array<Readonly<Record<string, number>> | null | undefined>): string[] {
  const names = new Set<string>();
  for (const source of sources) for (const name of Object.keys(source ?? {})) names.add(name);
  return [...names];
}

function finiteOrNull(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : value;
}

export function compareMetrics(
  baseline: Readonly<Record<string, number>> | null,
  final: Readonly<Record<string, number>> | null,
): MetricComparison[] {
  return metricNames(baseline, final).map((name) => {
    const before = finiteOrNull(baseline?.[name]);
    const after = finiteOrNull(final?.[name]);
    return { name, baseline: before, final: after, ...compareNumbers(before, after) };
  });
}

function compareRates(baseline: AggregateResult | null, final: AggregateResult | null): RateComparison[] {
  const before = baseline?.rates ?? {};
  const after = final?.rates ?? {};
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return names.map((name) => {
    const b = before[name] ?? null;
    const a = after[name] ?? null;
    return { name, baseline: b, final: a, ...compareNumbers(b?.value ?? null, a?.value ?? null) };
  });
}

function sameMetrics(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/**
 * The points of every chart: the baseline, then the measurement at the end of each iteration,
 * then the current measurement when the run stopped after the last recorded iteration changed it.
 */
function seriesColumns(
  state: LoopState,
): Array<{ label: string; metrics: Readonly<Record<string, number>> | null; objective: number | null }> {
  const columns: Array<{
    label: string;
    metrics: Readonly<Record<string, number>> | null;
    objective: number | null;
  }> = [];
  if (state.baselineMetrics || state.baselineObjective !== null) {
    columns.push({ label: 'baseline', metrics: state.baselineMetrics, objective: baselineObjective(state) });
  }
  for (const record of state.iterationHistory) {
    columns.push({ label: `#${record.iteration}`, metrics: record.metrics, objective: record.objective });
  }
  const last = state.iterationHistory.at(-1);
  if (state.currentMetrics && last && !sameMetrics(last.metrics, state.currentMetrics)) {
    columns.push({ label: 'now', metrics: state.currentMetrics, objective: finalObjective(state) });
  }
  return columns;
}

function baselineObjective(state: LoopState): number | null {
  if (state.baselineObjective !== null) return state.baselineObjective;
  return state.baselineMetrics ? objectiveValue(state.objective, state.baselineMetrics).value : null;
}

function finalObjective(state: LoopState): number | null {
  if (state.currentObjective !== null) return state.currentObjective;
  return state.currentMetrics ? objectiveValue(state.objective, state.currentMetrics).value : null;
}

function decisionSteps(baseline: number | null, decisions: DecisionRecord[]): DecisionStep[] {
  const steps: DecisionStep[] = [{ label: 'baseline', level: baseline, tested: null, decision: undefined }];
  let level = baseline;
  let previousIteration = -1;
  let inIteration = 0;
  for (const decision of decisions) {
    inIteration = decision.iteration === previousIteration ? inIteration + 1 : 1;
    previousIteration = decision.iteration;
    const holdsNewValue = decision.outcome === 'KEEP' || decision.outcome === 'RESTORED';
    level = holdsNewValue ? (decision.objectiveAfter ?? level) : (decision.objectiveBefore ?? level);
    steps.push({
      label: `${decision.iteration}.${inIteration}`,
      level,
      tested: decision.objectiveAfter,
      decision,
    });
  }
  return steps;
}

function knownFixes(state: LoopState): Map<string, Fix> {
  const fixes = new Map<string, Fix>();
  for (const fix of [...(state.diagnosis?.fixes ?? []), ...state.queue]) {
    if (!fixes.has(fix.id)) fixes.set(fix.id, fix);
  }
  if (state.cursor.fix && !fixes.has(state.cursor.fix.id)) fixes.set(state.cursor.fix.id, state.cursor.fix);
  return fixes;
}

function lastDecisionFor(
  decisions: DecisionRecord[],
  fixId: string,
  outcomes: string[],
): DecisionRecord | undefined {
  for (let index = decisions.length - 1; index >= 0; index -= 1) {
    const decision = decisions[index];
    if (decision && decision.fixId === fixId && outcomes.includes(decision.outcome)) return decision;
  }
  return undefined;
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

function groupFixes(state: LoopState, decisions: DecisionRecord[]): ReportModel['fixes'] {
  const fixes = knownFixes(state);
  const nameOf = (fixId: string, decision?: DecisionRecord) => decision?.fixName ?? fixes.get(fixId)?.name;
  const restoredIds = new Set(decisions.filter((d) => d.outcome === 'RESTORED').map((d) => d.fixId));

  const views = fixViews(state);
  const kept: FixOutcome[] = [];
  const rolledBack: FixOutcome[] = [];
  for (const fixId of unique(views.fixesSuccessful)) {
    const keepDecision = lastDecisionFor(decisions, fixId, ['KEEP']);
    if (restoredIds.has(fixId)) {
      const decision = lastDecisionFor(decisions, fixId, ['RESTORED']);
      rolledBack.push({
        fixId,
        name: nameOf(fixId, decision ?? keepDecision),
        group: 'rolled-back',
        decision,
        fix: fixes.get(fixId),
        restored: true,
      });
    } else {
      kept.push({
        fixId,
        name: nameOf(fixId, keepDecision),
        group: 'kept',
        decision: keepDecision,
        fix: fixes.get(fixId),
        restored: false,
      });
    }
  }
  for (const fixId of unique(views.fixesRolledBack)) {
    if (rolledBack.some((entry) => entry.fixId === fixId)) continue;
    const decision = lastDecisionFor(decisions, fixId, ['ROLLBACK', 'RESTORED']);
    rolledBack.push({
      fixId,
      name: nameOf(fixId, decision),
      group: 'rolled-back',
      decision,
      fix: fixes.get(fixId),
      restored: decision?.outcome === 'RESTORED',
    });
  }
  const failed = unique(views.fixesFailed).map((fixId): FixOutcome => {
    const decision = lastDecisionFor(decisions, fixId, ['APPLY_FAILED']);
    return {
      fixId,
      name: nameOf(fixId, decision),
      group: 'failed',
      decision,
      fix: fixes.get(fixId),
      restored: false,
    };
  });
  return { kept, rolledBack, failed };
}

function firstExample(errorType: ErrorType | undefined): string | undefined {
  const example = errorType?.examples?.find((candidate) => candidate.trim().length > 0);
  return example === undefined ? undefined : clipExample(example);
}

function compareErrorTypes(
  baseline: AggregateResult | null,
  final: AggregateResult | null,
): ErrorTypeComparison[] {
  const before = new Map((baseline?.errorTypes ?? []).map((type) => [type.id, type]));
  const after = new Map((final?.errorTypes ?? []).map((type) => [type.id, type]));
  const ids = [...new Set([...before.keys(), ...after.keys()])];
  const rows = ids.map((id): ErrorTypeComparison => {
    const b = before.get(id);
    const a = after.get(id);
    return {
      id,
      category: a?.category ?? b?.category,
      baselineCount: baseline ? (b?.count ?? 0) : null,
      finalCount: final ? (a?.count ?? 0) : null,
      example: firstExample(a) ?? firstExample(b),
    };
  });
  rows.sort(
    (x, y) =>
      (y.finalCount ?? 0) - (x.finalCount ?? 0) ||
      (y.baselineCount ?? 0) - (x.baselineCount ?? 0) ||
      x.id.localeCompare(y.id),
  );
  return rows.slice(0, MAX_ERROR_TYPES);
}

function stringField(value: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const field = value[key];
    if (typeof field === 'string' && field.trim()) return field;
  }
  return undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function collectRecommendations(state: LoopState): RecommendationEntry[] {
  const entries: RecommendationEntry[] = [];
  for (const recommendation of state.diagnosis?.recommendations ?? []) {
    entries.push({
      source: 'diagnosis',
      title: recommendation.title,
      detail: recommendation.detail,
      targets: recommendation.targets ?? [],
      examples: [],
    });
  }
  for (const research of state.diagnosis?.needsResearch ?? []) {
    const record = research as Record<string, unknown>;
    entries.push({
      source: 'needs-research',
      title: stringField(record, 'title', 'template', 'summary') ?? research.id,
      detail: stringField(record, 'reason', 'detail', 'description', 'category'),
      targets: [research.id],
      examples: stringList(record.examples).slice(0, 2).map(clipExample),
    });
  }
  const attempted = new Set(Object.keys(state.ledger));
  for (const fix of state.queue) {
    if (attempted.has(fix.id)) continue;
    entries.push({
      source: 'not-attempted',
      title: fix.name ?? fix.id,
      detail: [`${fix.priority} priority fix ${fix.id} was not attempted.`, fix.rootCause]
        .filter(Boolean)
        .join(' '),
      targets: fix.targets,
      examples: [],
    });
  }
  return entries;
}

function withoutFinalPeriod(text: string): string {
  return text.trim().replace(/\.+$/, '');
}

function conclude(model: Omit<ReportModel, 'conclusion'>): string[] {
  const { objective, counts, state } = model;
  const lines: string[] = [];
  if (objective.improvementPct === null) {
    lines.push(
      'The objective could not be compared between the baseline and the final measurement, because one of them has no value (no traffic in its window, or no measurement yet).',
    );
  } else if (objective.improvementPct > 0) {
    lines.push(
      `The objective improved by ${objective.improvementPct.toFixed(1)}% over ${state.iterationHistory.length} iteration(s), with ${counts.kept} fix(es) kept.`,
    );
  } else if (objective.improvementPct < 0) {
    lines.push(
      counts.kept === 0
        ? `The objective is ${Math.abs(objective.improvementPct).toFixed(1)}% worse than at the baseline after ${state.iterationHistory.length} iteration(s), with no fix kept: nothing Ratchet changed is in place, so the change came from the traffic (the test refreshes included), not from a fix.`
        : `The objective is ${Math.abs(objective.improvementPct).toFixed(1)}% worse than at the baseline after ${state.iterationHistory.length} iteration(s); review the kept fixes and the regression policy.`,
    );
  } else {
    lines.push(`The objective did not change over ${state.iterationHistory.length} iteration(s).`);
  }
  if (counts.rolledBack > 0)
    lines.push(
      `${counts.rolledBack} fix(es) were rolled back because the measurements did not support them.`,
    );
  if (counts.failed > 0) lines.push(`${counts.failed} fix(es) could not be applied; see their errors above.`);
  if (state.status === 'paused')
    lines.push('The run is paused waiting for a retest: run "ratchet resume" to continue.');
  else if (state.status === 'running')
    lines.push('The run has not finished: this report shows the state so far.');
  else if (state.status === 'failed')
    lines.push(`The run failed${state.lastError ? `: ${state.lastError}` : ''}.`);
  else if (state.exitCondition)
    lines.push(
      `The loop stopped on ${state.exitCondition}${state.exitReason ? `: ${withoutFinalPeriod(state.exitReason)}` : ''}.`,
    );
  return lines;
}

export function buildReportModel(input: ValidReportInput): ReportModel {
  const { state, decisions } = input;
  const sortedDecisions = [...decisions].sort(
    (a, b) => a.iteration - b.iteration || a.at.localeCompare(b.at),
  );
  const baseline = baselineObjective(state);
  const final = finalObjective(state);
  const fixes = groupFixes(state, sortedDecisions);
  const columns = seriesColumns(state);
  const names = metricNames(
    state.baselineMetrics,
    ...state.iterationHistory.map((r) => r.metrics),
    state.currentMetrics,
  );
  const partial: Omit<ReportModel, 'conclusion'> = {
    title: input.title,
    generatedAt: input.generatedAt,
    state,
    objectiveDescription: describeObjective(state.objective),
    objective: {
      baseline,
      final,
      best: state.bestObjective,
      ...compareNumbers(baseline, final),
      improvementPct: improvementPct(state.objective, baseline, final),
    },
    counts: {
      kept: fixes.kept.length,
      rolledBack: fixes.rolledBack.length,
      failed: fixes.failed.length,
      decisions: sortedDecisions.length,
    },
    metrics: compareMetrics(state.baselineMetrics, state.currentMetrics),
    rates: compareRates(state.baselineMeasurement, state.currentMeasurement),
    objectiveSeries: columns.map((column) => ({ label: column.label, value: column.objective })),
    metricSeries: metricSeries(names, columns, state.objective.per),
    decisionSteps: decisionSteps(baseline, sortedDecisions),
    history: iterationViews(state),
    decisions: sortedDecisions,
    fixes,
    errorTypes: compareErrorTypes(state.baselineMeasurement, state.currentMeasurement),
    recommendations: collectRecommendations(state),
  };
  return { ...partial, conclusion: conclude(partial) };
}
