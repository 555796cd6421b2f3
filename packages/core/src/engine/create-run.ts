import 'reflect-metadata';
import { resolve } from 'node:path';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import type { LoadedConfig } from '../config/load.js';
import { checkMetricNames, declaredAggregateMetrics } from '../config/metric-names.js';
import { LoopEvents } from '../contracts/events.js';
import type { ExitPolicy } from '../contracts/exit-policy.js';
import type { Logger } from '../contracts/logger.js';
import { silentLogger } from '../contracts/logger.js';
import type { PhaseSet } from '../contracts/phase.js';
import { TOKENS } from '../di/tokens.js';
import { loadCustomPolicies, loadPhases } from '../phases/load-phases.js';
import { builtinPolicies } from '../policies/builtin.js';
import { redactConfigSecrets } from '../security/redact.js';
import { RunStore } from '../state/run-store.js';
import { ENGINE_OPTIONS, type EngineOptions, LoopEngine } from './loop-engine.js';

export interface PrepareRunOptions {
  loaded: LoadedConfig;
  /** Overrides the config's outDir (relative to the current folder). */
  outDir?: string;
  log: Logger;
  events?: LoopEvents;
  maxIterations?: number;
  dryRun?: boolean;
  /** Approval given up front (`--yes`): phases that would ask do not. */
  yes?: boolean;
  /** Ask before each fix (`--approve`), for implement phases that support it. */
  approve?: boolean;
  beforeIteration?: (iteration: number) => Promise<void>;
  /** Asks before each fix, before any work for it (see EngineOptions.approveFix). */
  approveFix?: EngineOptions['approveFix'];
  stopRequested?: () => boolean;
  signal?: AbortSignal;
  /** Files to resolve phase packages from after the config's folder (the CLI passes its own). */
  resolveFrom?: string[];
}

/** Builds the phases and exit policies a config names (also used by `ratchet validate`). */
export async function loadRunComponents(
  loaded: LoadedConfig,
  options: {
    container?: DependencyContainer;
    log?: Logger;
    events?: LoopEvents;
    settings?: Record<string, unknown>;
    maxIterations?: number;
    /** Files to resolve phase packages from after the config's folder (the CLI passes its own). */
    resolveFrom?: string[];
  } = {},
): Promise<{ phases: PhaseSet; policies: ExitPolicy[] }> {
  const config = loaded.resolved;
  const container = options.container ?? rootContainer.createChildContainer();
  const log = options.log ?? silentLogger;
  const settings = options.settings ?? {
    objective: config.objective,
    judge: config.judge,
    outDir: config.outDir,
    yes: false,
    dryRun: false,
  };
  // Every token a phase or policy class may inject is registered before the first one is built.
  container.register(TOKENS.Logger, { useValue: log });
  container.register(TOKENS.Events, { useValue: options.events ?? new LoopEvents() });
  container.register(TOKENS.Config, { useValue: config });
  container.register(TOKENS.Settings, { useValue: settings });
  container.register(TOKENS.ConfigDir, { useValue: loaded.configDir });
  const loadContext = {
    configDir: loaded.configDir,
    container,
    log,
    resolveFrom: options.resolveFrom,
    settings,
  };
  const phases = await loadPhases(config, loadContext);
  const metrics = await declaredAggregateMetrics(config.phases.aggregate, phases.aggregate);
  if (metrics) checkMetricNames(config, metrics);
  const exit = { ...config.exit, maxIterations: options.maxIterations ?? config.exit.maxIterations };
  const policies = [...builtinPolicies(exit), ...(await loadCustomPolicies(config, loadContext))];
  return { phases, policies };
}

export interface PreparedRun {
  engine: LoopEngine;
  store: RunStore;
  events: LoopEvents;
}

/**
 * Builds one run: a child DI container holding the logger, events, config and settings first, then
 * the four phases the config names (built from it), the exit policies, and the engine. A child
 * container per run keeps runs (and tests) apart.
 */
export async function prepareRun(options: PrepareRunOptions): Promise<PreparedRun> {
  const { loaded, log } = options;
  const config = loaded.resolved;
  const outDir = resolve(options.outDir ?? resolve(loaded.configDir, config.outDir));
  const events = options.events ?? new LoopEvents();
  const store = new RunStore(outDir);
  const container = rootContainer.createChildContainer();
  const settings = {
    objective: config.objective,
    judge: config.judge,
    outDir,
    yes: options.yes ?? false,
    approve: options.approve ?? false,
    dryRun: options.dryRun ?? false,
  };
  const { phases, policies } = await loadRunComponents(loaded, {
    container,
    log,
    events,
    settings,
    maxIterations: options.maxIterations,
    resolveFrom: options.resolveFrom,
  });

  const engineOptions: EngineOptions = {
    store,
    objective: config.objective,
    priority: config.priority,
    minSamples: config.judge.minSamples,
    maxMonitor: config.judge.maxMonitor,
    stopFile: config.exit.stopFile,
    dryRun: options.dryRun,
    beforeIteration: options.beforeIteration,
    ...(options.approveFix ? { approveFix: options.approveFix } : {}),
    stopRequested: options.stopRequested,
    signal: options.signal,
    // The config as written, secrets redacted: `${PLEX_TOKEN}` stays a reference, never its value.
    // The engine writes it once it accepts a new run, never over a run it refuses.
    runConfig: { source: loaded.filepath, config: redactConfigSecrets(loaded.config) },
  };
  container.register(TOKENS.Aggregate, { useValue: phases.aggregate });
  container.register(TOKENS.Diagnose, { useValue: phases.diagnose });
  container.register(TOKENS.Implement, { useValue: phases.implement });
  container.register(TOKENS.Test, { useValue: phases.test });
  container.register(TOKENS.ExitPolicies, { useValue: policies });
  container.register(ENGINE_OPTIONS, { useValue: engineOptions });
  return { engine: container.resolve(LoopEngine), store, events };
}
