import type { AggregateResult, TimeWindow } from '../../contracts/schemas.js';
import type { Cursor } from '../../contracts/state.js';
import { objectiveValue } from '../objective.js';
import { type StepContext, setCurrent } from '../step-context.js';

/** Measures the system: the baseline in iteration 1, then the system as it is since it last changed. */
export async function aggregateStep(ctx: StepContext): Promise<Cursor> {
  const { state, options } = ctx;
  const iteration = state.iteration;
  ctx.events.emit('iteration:start', { iteration });
  const isBaseline = iteration === 1 || state.baselineMeasurement === null;
  const window: TimeWindow | undefined =
    !isBaseline && state.systemChangedAt ? { start: state.systemChangedAt } : undefined;
  let measurement = await ctx.runner.produce('aggregate', 'aggregate', (phaseCtx) =>
    ctx.phases.aggregate.run({ window, purpose: isBaseline ? 'baseline' : 'measure' }, phaseCtx),
  );
  const thin = thinness(ctx, measurement);
  if (isBaseline) {
    if (thin) ctx.log.warn(`the baseline measurement is thin: ${thin}`);
    state.baselineMeasurement = measurement;
    state.baselineMetrics = measurement.metrics;
    state.baselineObjective = objectiveValue(options.objective, measurement.metrics).value;
    state.bestObjective = state.baselineObjective;
  } else if (thin && state.currentMeasurement) {
    ctx.log.info(
      `the measurement since the last change is thin (${thin}); the latest measurement of the current system is used instead`,
    );
    measurement = state.currentMeasurement;
  }
  setCurrent(ctx, measurement);
  state.iterationHistory = state.iterationHistory.filter((r) => r.iteration !== iteration);
  state.iterationHistory.push({
    iteration,
    startedAt: ctx.now().toISOString(),
    objectiveAtStart: state.currentObjective,
    objective: state.currentObjective,
    metrics: measurement.metrics,
    improvementPct: null,
  });
  ctx.events.emit('measurement', {
    iteration,
    objective: state.currentObjective,
    metrics: measurement.metrics,
  });
  return { step: 'diagnose' };
}

function thinness(ctx: StepContext, measurement: AggregateResult): string | undefined {
  const { objective, minSamples } = ctx.options;
  const { denominator, numerator } = objectiveValue(objective, measurement.metrics);
  const samples = denominator ?? numerator;
  if (objective.per && (denominator ?? 0) < minSamples) {
    return `${objective.per} = ${denominator ?? 0}, below the ${minSamples} samples the judge needs`;
  }
  return samples === undefined ? 'no data' : undefined;
}
