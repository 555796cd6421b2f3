import {
  type AggregateResult,
  checkMetricNames,
  declaredAggregateMetrics,
  type LoadedConfig,
  loadConfig,
  loadRunComponents,
  RatchetError,
} from '@ratchet/core';
import { EXIT } from '../../exit-codes.js';
import { CLI_FILE } from '../../paths.js';
import { outDirOf, refuseOutputInsideRoots } from '../overlap.js';
import { measureOnce } from './measure-once.js';
import {
  checkPlexServer,
  checkRestartCommand,
  type EnvironmentUse,
  environmentUses,
  type WorldProblem,
} from './world-checks.js';

export interface ValidateFlags {
  config?: string;
  json?: boolean;
  /** Check the file only: keys, metric names, and that every phase loads. No logs, no server. */
  offline?: boolean;
  /** Also print the metrics and the objective of one measurement. */
  measure?: boolean;
}

/** What a config names for each phase: its module, or its command's program and script. */
function moduleNames(loaded: LoadedConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(loaded.config.phases).map(([kind, ref]) => [
      kind,
      'use' in ref ? ref.use : `command: ${ref.command.slice(0, 2).join(' ')}`,
    ]),
  );
}

/** A measurement saw something: records, or, for a phase that counts no `records`, any metric. */
function sawTraffic(result: AggregateResult): boolean {
  const { records } = result.metrics;
  if (records !== undefined) return records > 0;
  return Object.values(result.metrics).some((value) => value > 0);
}

function measurementProblems(loaded: LoadedConfig, result: AggregateResult): WorldProblem[] {
  if (sawTraffic(result)) return [];
  const logs = (
    'use' in loaded.resolved.phases.aggregate ? loaded.resolved.phases.aggregate.with.logs : undefined
  ) as string | string[] | undefined;
  const where = logs === undefined ? '' : ` in ${[logs].flat().join(', ')}`;
  const seen = (result.problems ?? []).slice(0, 3).map((problem) => problem.message);
  return [
    {
      key: 'phases.aggregate',
      message: `the logs${where} hold no records in the baseline window${(result.files ?? []).length === 0 ? ' (no log file found)' : ''}${seen.length ? `: ${seen.join('; ')}` : ''}`,
    },
  ];
}

/**
 * Loads the config and builds every phase; then, unless --offline, checks the world the run
 * depends on: the logs hold records, the Plex server answers and accepts the token, the restart
 * command exists. Every problem is listed, and any one of them is exit 2.
 */
export async function validateCommand(flags: ValidateFlags): Promise<void> {
  const loaded = await loadConfig({ configPath: flags.config });
  refuseOutputInsideRoots(loaded, outDirOf(loaded));
  const { phases, policies } = await loadRunComponents(loaded, { resolveFrom: [CLI_FILE] });
  const metrics = await declaredAggregateMetrics(loaded.config.phases.aggregate, phases.aggregate);
  if (metrics) checkMetricNames(loaded.config, metrics);
  const environment: EnvironmentUse[] = environmentUses(loaded.config);
  const problems: WorldProblem[] = [];
  const checked: string[] = [];
  let measured: { metrics: Record<string, number>; objective: number | null } | undefined;
  if (!flags.offline || flags.measure) {
    const measurement = await measureOnce(phases.aggregate, loaded.resolved.objective);
    measured = { metrics: measurement.result.metrics, objective: measurement.objective };
    const empty = measurementProblems(loaded, measurement.result);
    problems.push(...empty);
    const { records } = measurement.result.metrics;
    if (empty.length === 0)
      checked.push(
        records === undefined ? 'the measurement saw traffic' : `the logs hold ${records} records`,
      );
  }
  if (!flags.offline) {
    problems.push(...checkRestartCommand(loaded));
    const server = await checkPlexServer(loaded);
    problems.push(...server.problems);
    if (server.checked) checked.push(server.checked);
  }
  const result = {
    valid: problems.length === 0,
    config: loaded.filepath,
    phases: Object.fromEntries(
      Object.entries(phases).map(([kind, phase]) => [kind, (phase as { name: string }).name]),
    ),
    modules: moduleNames(loaded),
    metrics: metrics ?? null,
    exitPolicies: policies.map((policy) => policy.name),
    environment: environment.filter((use) => use.set).map((use) => use.name),
    environmentUnset: environment.filter((use) => !use.set).map((use) => use.name),
    checked,
    ...(flags.offline ? { offline: true } : {}),
    ...(measured ? { measured } : {}),
    problems,
  };
  if (problems.length > 0) {
    throw new RatchetError(
      'ENVIRONMENT_INVALID',
      `${loaded.filepath}: the config is valid, but the run would fail:\n  - ${problems.map((p) => `${p.key}: ${p.message}`).join('\n  - ')}`,
      {
        details: { problems },
        hint: 'fix each item above; `ratchet validate --offline` checks the file alone',
      },
    );
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = EXIT.ok;
    return;
  }
  const lines = [`${loaded.filepath}: valid${flags.offline ? ' (file only: --offline)' : ''}`];
  for (const [kind, module] of Object.entries(result.modules)) {
    const name = result.phases[kind];
    lines.push(`  ${kind.padEnd(9)} ${module}${name && name !== kind ? ` (${name})` : ''}`);
  }
  if (metrics) lines.push(`  metrics:   ${metrics.join(', ')}`);
  lines.push(`  exit policies: ${result.exitPolicies.join(', ')}`);
  if (result.environment.length) lines.push(`  environment set: ${result.environment.join(', ')}`);
  if (result.environmentUnset.length)
    lines.push(`  environment unset (defaults used): ${result.environmentUnset.join(', ')}`);
  for (const item of checked) lines.push(`  checked: ${item}`);
  if (flags.measure && measured) {
    lines.push(
      `  objective: ${measured.objective === null ? 'n/a (no traffic)' : String(Number(measured.objective.toPrecision(4)))}`,
    );
    for (const [name, value] of Object.entries(measured.metrics))
      lines.push(`    ${name.padEnd(20)} ${value}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = EXIT.ok;
}
