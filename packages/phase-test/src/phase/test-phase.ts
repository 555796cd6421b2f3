import { join, resolve } from 'node:path';
import {
  type AggregateResult,
  describeError,
  type PhaseContext,
  type PhaseFactoryContext,
  RatchetError,
  redactText,
  registerSecret,
  type TestInput,
  TestInputSchema,
  type TestPhase,
  type TestResult,
  writeFileAtomic,
} from '@ratchet/core';
import { resolvePlexToken } from '@ratchet/plex';
import { judge } from '../judge/judge.js';
import {
  parseTestPhaseOptions,
  resolveJudgeSettings,
  type TestPhaseOptions,
} from '../options/test-options.js';
import { type RefreshSummary, runRefresh } from '../refresh/run-refresh.js';
import { describeEffort } from '../report/describe-effort.js';
import { renderTestReport } from '../report/render-report.js';
import { logReserve } from '../sequential/log-reserve.js';
import { pooledFromPrevious, type RoundSource, runSequentialTest } from '../sequential/run-sequential.js';

/**
 * The test phase: note the window start, make the system work (refresh Plex items, run a command,
 * or wait for traffic), re-measure exactly that window through the engine, and judge.
 */
export function createTestPhase(
  rawOptions: Record<string, unknown>,
  factoryCtx: PhaseFactoryContext,
): TestPhase {
  const options: TestPhaseOptions = parseTestPhaseOptions(rawOptions);
  const settings = resolveJudgeSettings(options.judge, factoryCtx.settings.judge);
  if (options.refresh.kind === 'plex' && options.refresh.token === undefined) {
    // Read once, kept in memory: the options object is never written to a file.
    const { preferences } = options.refresh;
    const token = resolvePlexToken({
      ...(preferences === undefined ? {} : { preferences: resolve(factoryCtx.configDir, preferences) }),
    });
    if (token !== undefined) options.refresh.token = token;
  }
  if (options.refresh.kind === 'plex') registerSecret(options.refresh.token);
  const scrub = redactText;

  /** Refresh (or wait for traffic), then measure exactly that window through the engine. */
  async function refreshAndMeasure(
    input: { fix: TestInput['fix']; before: AggregateResult; baseline?: AggregateResult },
    ctx: PhaseContext,
    choice: { itemKeys?: string[]; total?: number; seed?: string } = {},
  ) {
    const start = new Date().toISOString();
    let refresh: RefreshSummary | undefined;
    let measurementError: string | undefined;
    let measured: AggregateResult | undefined;
    try {
      refresh = await runRefresh(options.refresh, {
        fix: input.fix,
        before: input.before,
        ...(input.baseline ? { baseline: input.baseline } : {}),
        ctx,
        ...choice,
      });
    } catch (error) {
      if (ctx.signal.aborted || (error instanceof RatchetError && error.code === 'INTERRUPTED')) throw error;
      measurementError = scrub(`the refresh failed: ${describeError(error)}`);
      ctx.log.warn(measurementError);
    }
    const window = { start, end: new Date().toISOString() };
    if (!measurementError) {
      try {
        ctx.progress('measuring the test window');
        measured = await ctx.measure(window);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        measurementError = scrub(`the measurement failed: ${describeError(error)}`);
        ctx.log.warn(measurementError);
      }
    }
    return { refresh, measurementError, measured, window };
  }

  return {
    name: 'test',
    /**
     * Just before the fix is applied: refresh the items the test will use and measure them, so that
     * the test afterwards compares the same items under the same conditions (a paired test).
     */
    async measureBefore(input, ctx): Promise<AggregateResult> {
      // Every item the test may refresh after the fix needs a "before": items the logs saw once
      // keep theirs (the reserve), the rest are refreshed now, the targeted ones first.
      const plex = options.refresh.kind === 'plex' ? options.refresh : undefined;
      const reserve = plex
        ? logReserve(input.before, settings.maxItems - plex.items, `${input.fix.id}:reserve`)
        : [];
      const total = plex ? Math.max(plex.items, settings.maxItems - reserve.length) : undefined;
      const { refresh, measurementError, measured } = await refreshAndMeasure(input, ctx, {
        ...(total ? { total } : {}),
        ...(reserve.length > 0 ? { exclude: new Set(reserve.map(({ item }) => item)) } : {}),
      });
      if (measurementError || !measured) {
        throw new RatchetError(
          'MEASUREMENT_FAILED',
          measurementError ?? 'the measurement before the fix failed',
        );
      }
      const keys =
        refresh && Array.isArray(refresh.chosen)
          ? (refresh.chosen as { ratingKey: string }[]).map((item) => item.ratingKey)
          : undefined;
      const refreshed = new Set((measured.items ?? []).map(({ item }) => item));
      const reserved = reserve.filter(({ item }) => !refreshed.has(item));
      return {
        ...measured,
        ...(reserved.length > 0 ? { items: [...(measured.items ?? []), ...reserved] } : {}),
        ...(keys ? { testItems: keys } : {}),
        ...(reserved.length > 0 ? { reserveItems: reserved.map(({ item }) => item) } : {}),
        knownErrorTypes: errorTypeIds(input.before),
      };
    },

    async run(rawInput: TestInput, ctx: PhaseContext): Promise<TestResult> {
      const parsed = TestInputSchema.safeParse(rawInput);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new RatchetError(
          'INPUT_INVALID',
          `test: input.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const input = parsed.data;
      const pool = Array.isArray(input.before.testItems) ? strings(input.before.testItems) : undefined;
      const reserve = strings(input.before.reserveItems);
      const previous = pooledFromPrevious(input.previous);
      const refreshes: RefreshSummary[] = [];
      const source: RoundSource = {
        ...(options.refresh.kind === 'wait' ? { waitPerRoundMs: options.refresh.durationMs } : {}),
        async measureRound(round, itemKeys) {
          const seed = `${input.fix.id}:${ctx.iteration}:${(previous?.tests ?? 0) + 1}:${round}`;
          const outcome = await refreshAndMeasure(input, ctx, { ...(itemKeys ? { itemKeys } : {}), seed });
          if (outcome.refresh) refreshes.push(outcome.refresh);
          const requested = outcome.refresh?.requested;
          return {
            ...(outcome.measured ? { measured: outcome.measured } : {}),
            ...(outcome.measurementError ? { measurementError: outcome.measurementError } : {}),
            requests: typeof requested === 'number' ? requested : 0,
            waitedMs: outcome.refresh?.kind === 'wait' ? outcome.refresh.durationMs : 0,
            window: outcome.window,
          };
        },
      };
      const sequential = await runSequentialTest({
        objective: input.objective,
        before: input.before,
        settings,
        previous,
        pool,
        reserve,
        knownErrorTypes: [...errorTypeIds(input.baseline), ...strings(input.before.knownErrorTypes)],
        roundSize: options.refresh.kind === 'plex' ? options.refresh.items : 1,
        seed: `${input.fix.id}:pool`,
        source,
        onRound: (round, judgement) => {
          if (judgement.decision === 'CONTINUE')
            ctx.log.info(`test: round ${round} undecided; ${judgement.rationale}`);
        },
      });
      const { judgement, evidence: effort } = sequential;
      // runSequentialTest only stops undecided when it cannot go on, and then the judge says MONITOR.
      const decision = judgement.decision === 'CONTINUE' ? 'MONITOR' : judgement.decision;
      const windows = sequential.rounds.map((round) => round.window).filter((window) => window !== undefined);
      const window = {
        start: windows[0]?.start ?? new Date().toISOString(),
        end: windows.at(-1)?.end ?? new Date().toISOString(),
      };
      const after = sequential.after;
      const refresh = refreshes.at(-1);
      const result: TestResult = {
        decision,
        rationale: `${judgement.rationale} ${describeEffort(effort)}`,
        rule: judgement.rule,
        before: input.before.metrics,
        ...(after ? { after } : {}),
        window,
        evidence: {
          ...judgement.evidence,
          baseline: input.baseline.metrics,
          refresh: refresh ?? null,
          sequential: effort,
        },
        indicators: judgement.indicators,
      };
      const report = renderTestReport(result, judgement, refresh, effort, {
        fixId: input.fix.id,
        ...(input.fix.name ? { fixName: input.fix.name } : {}),
        iteration: ctx.iteration,
      });
      writeFileAtomic(join(ctx.runDir, 'test.json'), scrub(`${JSON.stringify(result, null, 2)}\n`));
      writeFileAtomic(join(ctx.runDir, 'test_report.md'), scrub(report));
      ctx.log.info(`test: ${judgement.rationale}`);
      return result;
    },
  };
}

/** The error types a measurement saw at least once. */
function errorTypeIds(measurement: AggregateResult): string[] {
  return measurement.errorTypes.filter((type) => type.count > 0).map((type) => type.id);
}

/** The strings of a list read back from state or a subprocess: anything else is dropped. */
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
