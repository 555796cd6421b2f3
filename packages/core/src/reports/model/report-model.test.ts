import { describe, expect, it } from 'vitest';
import { RatchetError } from '../../errors/ratchet-error.js';
import { FIXES, realisticRun } from '../fixtures/realistic-run.test-helpers.js';
import { validateReportInput } from './input.js';
import { buildReportModel, compareMetrics, MAX_EXAMPLE_CHARS } from './report-model.js';

const generatedAt = new Date('2024-05-01T10:12:00Z');

function model(run = realisticRun()) {
  return buildReportModel(validateReportInput({ ...run, generatedAt }));
}

describe('the report model', () => {
  it('compares every metric with its change and relative change', () => {
    const rows = compareMetrics({ urlErrors: 96, searchOps: 400 }, { urlErrors: 30, searchOps: 400 });
    expect(rows).toEqual([
      { name: 'urlErrors', baseline: 96, final: 30, change: -66, changePct: -68.75, fromZero: false },
      { name: 'searchOps', baseline: 400, final: 400, change: 0, changePct: 0, fromZero: false },
    ]);
  });

  it('treats a zero baseline honestly: 0 -> 0 is no change, 0 -> 2 has no relative change', () => {
    const rows = compareMetrics({ unparsedLines: 0, exceptions: 0 }, { unparsedLines: 0, exceptions: 2 });
    expect(rows[0]).toMatchObject({ change: 0, changePct: 0, fromZero: false });
    expect(rows[1]).toMatchObject({ change: 2, changePct: null, fromZero: true });
  });

  it('leaves a value missing only where a measurement lacks the metric', () => {
    const rows = compareMetrics({ a: 1 }, { b: 2 });
    expect(rows).toEqual([
      { name: 'a', baseline: 1, final: null, change: null, changePct: null, fromZero: false },
      { name: 'b', baseline: null, final: 2, change: null, changePct: null, fromZero: false },
    ]);
  });

  it('computes the objective change in its direction from the state', () => {
    const { objective } = model();
    expect(objective.baseline).toBeCloseTo(0.4, 10);
    expect(objective.final).toBeCloseTo(0.1325, 10);
    expect(objective.improvementPct).toBeCloseTo(66.875, 6);
    expect(objective.changePct).toBeCloseTo(-66.875, 6);
  });

  it('groups fixes into kept, rolled back and failed with the decision that put them there', () => {
    const { fixes, counts } = model();
    expect(fixes.kept.map((fix) => fix.fixId)).toEqual([FIXES.normalize!.id, FIXES.retries!.id]);
    expect(fixes.rolledBack.map((fix) => fix.fixId)).toEqual([FIXES.threshold!.id]);
    expect(fixes.failed.map((fix) => fix.fixId)).toEqual([FIXES.apiV3!.id]);
    expect(fixes.failed[0]?.decision?.outcome).toBe('APPLY_FAILED');
    expect(fixes.kept[0]?.fix?.rootCause).toContain('punctuation');
    expect(counts).toEqual({ kept: 2, rolledBack: 1, failed: 1, decisions: 4 });
  });

  it('moves a kept fix to rolled back when it was undone to restore the best state', () => {
    const run = realisticRun({ exitCondition: 'regression_detected' });
    run.decisions.push({
      iteration: 3,
      at: '2024-05-01T10:10:30.000Z',
      fixId: FIXES.retries!.id,
      outcome: 'RESTORED',
      next: 'stop',
      rationale: 'Restoring the best known state.',
      objectiveBefore: 0.2,
      objectiveAfter: 0.135,
    });
    const { fixes } = model(run);
    expect(fixes.kept.map((fix) => fix.fixId)).toEqual([FIXES.normalize!.id]);
    expect(fixes.rolledBack.find((fix) => fix.fixId === FIXES.retries!.id)?.restored).toBe(true);
  });

  it('builds chart series from the baseline and every iteration, keeping gaps as null', () => {
    const run = realisticRun();
    const second = run.state.iterationHistory[1]!;
    const { updateOps: _dropped, ...withoutUpdates } = second.metrics;
    run.state.iterationHistory[1] = { ...second, metrics: withoutUpdates, objective: null };
    const built = model(run);
    expect(built.objectiveSeries.map((point) => point.label)).toEqual(['baseline', '#1', '#2', '#3']);
    expect(built.objectiveSeries[2]?.value).toBeNull();
    // Charted per search: the windows of a baseline and of a test see different traffic.
    const perSearch = (metrics: Record<string, number> | null | undefined) =>
      metrics?.updateOps === undefined ? null : metrics.updateOps / (metrics.searchOps ?? 0);
    const updates = built.metricSeries.find((series) => series.name === 'updateOps');
    expect(updates?.title).toBe('updateOps per searchOps');
    expect(updates?.points.map((p) => p.value)).toEqual([
      perSearch(run.state.baselineMetrics),
      perSearch(run.state.iterationHistory[0]?.metrics),
      null,
      perSearch(run.state.iterationHistory[2]?.metrics),
    ]);
  });

  it('follows the ratchet through the decisions: a rollback returns to the level before it', () => {
    const steps = model().decisionSteps;
    expect(steps.map((step) => step.label)).toEqual(['baseline', '1.1', '1.2', '2.1', '2.2']);
    expect(steps.map((step) => step.level)).toEqual([0.4, 0.2925, 0.2925, 0.2925, 0.135]);
    expect(steps.map((step) => step.tested)).toEqual([null, 0.2925, 0.61, null, 0.135]);
  });

  it('adds a "now" point when the run stopped after the last recorded iteration changed the system', () => {
    const run = realisticRun();
    const now = { ...run.state.currentMetrics!, urlErrors: 20 };
    const built = model({ ...run, state: { ...run.state, currentMetrics: now, currentObjective: 0.1075 } });
    expect(built.objectiveSeries.at(-1)).toEqual({ label: 'now', value: 0.1075 });
    expect(built.metricSeries.find((series) => series.name === 'urlErrors')?.points.at(-1)).toEqual({
      label: 'now',
      value: 20 / ((now as Record<string, number>).searchOps ?? 0),
    });
  });

  it('clips a huge example record to its head and says how much was left out', () => {
    const run = realisticRun();
    const huge = `Traceback (most recent call last):\n${'  File "x.py", line 1, in f\n'.repeat(500)}KeyError: 'id'`;
    const measurement = run.state.currentMeasurement!;
    const errorTypes = measurement.errorTypes.map((type, index) =>
      index === 0 ? { ...type, examples: [huge] } : type,
    );
    const built = model({
      ...run,
      state: { ...run.state, currentMeasurement: { ...measurement, errorTypes } },
    });
    const example = built.errorTypes.find((row) => row.id === errorTypes[0]!.id)?.example ?? '';
    expect(example.startsWith('Traceback (most recent call last):')).toBe(true);
    expect(example).toMatch(new RegExp(`… \\(${huge.length - MAX_EXAMPLE_CHARS} more characters\\)$`));
  });

  it('judges the objective in its direction when higher is better', () => {
    const run = realisticRun();
    const objective = { metric: 'searchOps', direction: 'higher' as const };
    const built = model({
      ...run,
      state: { ...run.state, objective, baselineObjective: 400, currentObjective: 420 },
    });
    expect(built.objective.improvementPct).toBeCloseTo(5, 10);
    expect(built.objective.changePct).toBeCloseTo(5, 10);
    expect(built.objectiveDescription).toBe('searchOps, higher is better');
  });

  it('collects recommendations from the diagnosis, needs-research and fixes never attempted', () => {
    const sources = model().recommendations.map((entry) => entry.source);
    expect(sources).toEqual(['diagnosis', 'needs-research', 'not-attempted']);
  });

  it('rejects a state with a bad key, naming its path', () => {
    const run = realisticRun();
    const broken = {
      ...run.state,
      iterationHistory: [{ ...run.state.iterationHistory[0]!, metrics: { records: 'many' } }],
    };
    let caught: unknown;
    try {
      validateReportInput({ state: broken as never, decisions: run.decisions, generatedAt });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RatchetError);
    expect((caught as RatchetError).code).toBe('INPUT_INVALID');
    expect((caught as RatchetError).message).toContain('state.iterationHistory.0.metrics.records');
  });

  it('rejects a decision with an unknown outcome and an invalid date', () => {
    const run = realisticRun();
    const decisions = [{ ...run.decisions[0]!, outcome: 'MAYBE' }];
    expect(() =>
      validateReportInput({ state: run.state, decisions: decisions as never, generatedAt }),
    ).toThrow(/decisions\.0\.outcome/);
    expect(() => validateReportInput({ ...run, generatedAt: new Date('nope') })).toThrow(/generatedAt/);
  });
});
