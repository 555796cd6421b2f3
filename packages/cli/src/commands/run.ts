import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type AppliedFix,
  attachReportWriter,
  escapeControl,
  type Fix,
  type LoadedConfig,
  type LoopState,
  loadConfig,
  prepareRun,
  RatchetError,
  type RunOutcome,
  RunStore,
} from '@ratchet/core';
import { EXIT } from '../exit-codes.js';
import { CLI_FILE } from '../paths.js';
import { outputClosed } from '../ui/closed-output.js';
import { formatPlan } from '../ui/plan.js';
import { ProgressDisplay } from '../ui/progress.js';
import { summarize } from '../ui/summary.js';
import { outDirOf, refuseOutputInsideRoots } from './overlap.js';

export interface RunFlags {
  config?: string;
  out?: string;
  yes?: boolean;
  approve?: boolean;
  step?: boolean;
  dryRun?: boolean;
  maxIterations?: number;
  json?: boolean;
  verbose?: boolean;
}

/** First Ctrl+C or SIGTERM: stop at the next phase boundary. Second: abort the phase now. */
export function installStopHandlers(progress: ProgressDisplay): {
  signal: AbortSignal;
  stopRequested: () => boolean;
  dispose: () => void;
} {
  const controller = new AbortController();
  let requested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!requested) {
      requested = true;
      progress.line(`${signal}: stopping at the next phase boundary (press Ctrl+C again to stop now)`);
      return;
    }
    progress.line(
      `${signal}: stopping now; the state is saved and \`ratchet resume\` repeats the interrupted phase`,
    );
    controller.abort(new RatchetError('INTERRUPTED', `stopped by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    stopRequested: () => requested || outputClosed(),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function waitForEnter(progress: ProgressDisplay) {
  return async (iteration: number) => {
    progress.done();
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    await new Promise<void>((done) =>
      rl.question(`Press Enter to start iteration ${iteration} (Ctrl+C to stop) `, () => done()),
    );
    rl.close();
  };
}

/** Whether the run must ask before each fix: `--approve`, or `approve: true` in the implement phase's options. */
function approvalAsked(loaded: LoadedConfig, flags: RunFlags): boolean {
  if (flags.yes || flags.dryRun) return false;
  const implement = (loaded.config as { phases?: { implement?: { with?: { approve?: unknown } } } }).phases
    ?.implement;
  return flags.approve === true || implement?.with?.approve === true;
}

/** Shows the fix's plan on stderr and asks y/N on the terminal. */
function askOnTerminal(progress: ProgressDisplay) {
  return async (fix: Fix, preview: AppliedFix | undefined): Promise<boolean> => {
    progress.done();
    process.stderr.write(formatPlan(fix, preview));
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await new Promise<string>((done) => rl.question(`Apply fix '${fix.id}'? [y/N] `, done));
    rl.close();
    return /^\s*y(es)?\s*$/i.test(answer);
  };
}

export async function executeRun(
  loaded: LoadedConfig,
  mode: 'start' | 'resume',
  flags: RunFlags & { outDir?: string },
): Promise<{ outcome: RunOutcome; state: LoopState; outDir: string }> {
  refuseOutputInsideRoots(loaded, outDirOf(loaded, flags.outDir));
  const asks = approvalAsked(loaded, flags);
  if (asks && !process.stdin.isTTY) {
    // Nobody can answer: refuse before any work, rather than measure and refresh for nothing.
    throw new RatchetError(
      'APPROVAL_NEEDS_TERMINAL',
      'fixes need approval (--approve or `approve: true` in the implement phase), but there is no terminal to ask on; nothing was done',
      { hint: 'run in a terminal, pass --yes to approve every fix in advance, or --dry-run to see the plan' },
    );
  }
  const progress = new ProgressDisplay();
  const stop = installStopHandlers(progress);
  try {
    const run = await prepareRun({
      loaded,
      outDir: flags.outDir,
      log: progress.logger(flags.verbose),
      maxIterations: flags.maxIterations,
      dryRun: flags.dryRun,
      // When the run asks, it asks once, before any work for the fix: the phase itself does not ask again.
      yes: flags.yes || asks,
      approve: asks ? false : flags.approve,
      ...(asks ? { approveFix: askOnTerminal(progress) } : {}),
      beforeIteration: flags.step ? waitForEnter(progress) : undefined,
      stopRequested: stop.stopRequested,
      signal: stop.signal,
      resolveFrom: [CLI_FILE],
    });
    progress.attach(run.events);
    attachReportWriter(run.events, run.store, progress.logger());
    let outcome: RunOutcome;
    try {
      outcome = await run.engine.run(mode);
    } finally {
      progress.done();
    }
    return { outcome, state: run.store.loadState(), outDir: run.store.outDir };
  } finally {
    stop.dispose();
  }
}

export function exitCodeFor(outcome: RunOutcome): number {
  switch (outcome) {
    case 'finished':
      return EXIT.ok;
    case 'paused':
      return EXIT.paused;
    case 'interrupted':
      return EXIT.interrupted;
    case 'failed':
      return EXIT.failed;
  }
}

export function printOutcome(
  result: { outcome: RunOutcome; state: LoopState; outDir: string },
  json: boolean | undefined,
): void {
  const summary = summarize(result.state, result.outDir);
  if (json) {
    process.stdout.write(`${JSON.stringify({ outcome: result.outcome, ...summary }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${escapeControl(summary.text)}\n`);
}

export async function runCommand(flags: RunFlags): Promise<void> {
  const loaded = await loadConfig({ configPath: flags.config });
  const result = await executeRun(loaded, 'start', {
    ...flags,
    outDir: flags.out ? resolve(flags.out) : undefined,
  });
  printOutcome(result, flags.json);
  process.exitCode = exitCodeFor(result.outcome);
}

/** Resumes with the config the run started with (its path is in run_config.json), or --config. */
export async function resumeCommand(stateFile: string | undefined, flags: RunFlags): Promise<void> {
  const outDir = stateFile ? dirname(resolve(stateFile)) : resolve(flags.out ?? '.ratchet');
  if (!existsSync(join(outDir, 'loop_state.json'))) {
    throw new RatchetError('STATE_NOT_FOUND', `no run state in ${outDir}`, {
      hint: 'pass the --out folder of the run, or its loop_state.json',
    });
  }
  const state = RunStore.readState(join(outDir, 'loop_state.json'));
  if (state.status === 'finished') {
    printOutcome({ outcome: 'finished', state, outDir }, flags.json);
    process.exitCode = EXIT.ok;
    return;
  }
  if (state.status === 'abandoned') {
    throw new RatchetError('RUN_ABANDONED', `the run in ${outDir} was abandoned and cannot go on`, {
      hint: 'start a new run with `ratchet run` (the abandoned one is moved to previous/)',
    });
  }
  let configPath = flags.config;
  if (!configPath) {
    const runConfig = join(outDir, 'run_config.json');
    if (existsSync(runConfig))
      configPath = (JSON.parse(readFileSync(runConfig, 'utf8')) as { source?: string }).source;
  }
  const loaded = await loadConfig({ configPath });
  // A dry run stays a dry run: only a new `ratchet run` may change the system.
  const result = await executeRun(loaded, 'resume', { ...flags, outDir, dryRun: state.dryRun });
  printOutcome(result, flags.json);
  process.exitCode = exitCodeFor(result.outcome);
}
