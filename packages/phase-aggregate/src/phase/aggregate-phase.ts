import { join } from 'node:path';
import type {
  AggregateInput,
  AggregatePhase,
  AggregateResult,
  PhaseContext,
  PhaseFactoryContext,
  TimeWindow,
} from '@ratchet/core';
import { AggregateResultSchema, RatchetError, writeFileAtomic } from '@ratchet/core';
import { defaultPlexLogsDir, findPlexInstall, type LogRule } from '@ratchet/plex';
import { aggregatePlexLogs } from '../aggregating/aggregate-logs.js';
import {
  aggregateGenericLogs,
  GENERIC_BASE_METRICS,
  type GenericMetricRule,
  loadMetricRuleFile,
} from '../aggregating/generic-aggregator.js';
import { PLEX_METRICS } from '../aggregating/plex-aggregator.js';
import { loadRuleFile } from '../aggregating/rules.js';
import { renderAggregateMarkdown } from '../report/markdown.js';
import { resolveWindow } from '../window/resolve-window.js';
import { type AggregateOptions, parseAggregateOptions } from './options.js';

export interface MeasureRequest {
  options: AggregateOptions;
  window: TimeWindow;
  signal?: AbortSignal;
  onFile?: (path: string, index: number, total: number) => void;
}

/** One measurement with validated options: the Plex or the generic preset. */
export async function measure(request: MeasureRequest): Promise<AggregateResult> {
  const { options, window } = request;
  const paths =
    options.logs !== undefined
      ? Array.isArray(options.logs)
        ? options.logs
        : [options.logs]
      : [findPlexInstall().logsDir?.value ?? defaultPlexLogsDir()];
  if (options.preset === 'generic') {
    const metrics = await genericMetricRules(options);
    return aggregateGenericLogs({
      paths,
      lineFormat: options.lineFormat ?? '',
      metrics,
      maxLineChars: options.maxLineChars,
      window,
      signal: request.signal,
    });
  }
  const rules: LogRule[] = [];
  for (const file of options.rules ?? []) rules.push(...(await loadRuleFile(file)));
  return aggregatePlexLogs({
    paths,
    agents: options.agents,
    window,
    rules,
    maxLineChars: options.maxLineChars,
    includeServerLog: options.includeServerLog,
    signal: request.signal,
    onFile: request.onFile,
  });
}

/** The generic preset's metric rules: the inline ones, then those of the rule files. */
async function genericMetricRules(options: AggregateOptions): Promise<GenericMetricRule[]> {
  const metrics = [...(options.metrics ?? [])];
  for (const file of options.rules ?? []) metrics.push(...(await loadMetricRuleFile(file)));
  return metrics;
}

/** The names of the metrics a measurement with these options holds (for `ratchet validate`). */
export async function declaredMetricNames(options: AggregateOptions): Promise<string[]> {
  if (options.preset !== 'generic') {
    // The plex preset's user rules name error types, not metrics: its metrics are fixed.
    for (const file of options.rules ?? []) await loadRuleFile(file);
    return [...PLEX_METRICS];
  }
  const names: string[] = [...GENERIC_BASE_METRICS];
  for (const rule of await genericMetricRules(options)) if (!names.includes(rule.name)) names.push(rule.name);
  return names;
}

/** Writes `aggregate.json` (validated by the core schema) and `aggregate.md` into `runDir`. */
export async function writeAggregateReports(runDir: string, result: AggregateResult): Promise<void> {
  const valid = AggregateResultSchema.parse(result);
  await writeFileAtomic(join(runDir, 'aggregate.json'), `${JSON.stringify(valid, null, 2)}\n`);
  await writeFileAtomic(join(runDir, 'aggregate.md'), renderAggregateMarkdown(valid));
}

/** The phase factory (the package's default export): `(options, ctx) => AggregatePhase`. */
export function createAggregatePhase(
  rawOptions: Record<string, unknown>,
  factoryContext: PhaseFactoryContext,
): AggregatePhase {
  const options = parseAggregateOptions(rawOptions, factoryContext.configDir);
  return {
    name: 'aggregate',
    declaredMetrics: () => declaredMetricNames(options),
    async run(input: AggregateInput, ctx: PhaseContext): Promise<AggregateResult> {
      const window =
        input.window && (input.window.start !== undefined || input.window.end !== undefined)
          ? input.window
          : resolveWindow({ since: options.since, until: options.until });
      // The loop's own measurements stop at the first stop request; one inside the test phase stops
      // on the second (the test phase owns its step).
      const signal =
        input.purpose !== 'test' && ctx.stopSignal
          ? AbortSignal.any([ctx.signal, ctx.stopSignal])
          : ctx.signal;
      const result = await measure({
        options,
        window,
        signal,
        onFile: (path, index, total) => ctx.progress(`reading ${path}`, index, total),
      });
      // A measurement cut short by a stop is not a measurement: it must never be judged.
      if (signal.aborted)
        throw new RatchetError('INTERRUPTED', 'aggregate: stopped before the end of the logs', {
          hint: '`ratchet resume` measures again',
        });
      await writeAggregateReports(ctx.runDir, result);
      ctx.log.info('aggregate: measured', {
        records: result.metrics.records,
        errorTypes: result.errorTypes.length,
      });
      return result;
    },
  };
}
