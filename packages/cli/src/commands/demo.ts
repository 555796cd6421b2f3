import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type LoadedConfig, parseConfig, RunStore, resolveEnv } from '@ratchet/core';
import { createSimulator, readFaultPlanFile } from '@ratchet/plex-sim';
import { EXIT } from '../exit-codes.js';
import { ProgressDisplay } from '../ui/progress.js';
import { executeRun, exitCodeFor, printOutcome } from './run.js';

const DEMO_SEED = 7;

function plexSimDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@ratchet/plex-sim/package.json'));
}

/**
 * The config the demo runs: the built-in Plex phases against the simulator, as a user would write
 * it for a real server (see examples/plex/). The token stays a `${PLEX_TOKEN}` reference.
 */
export function demoConfig(options: {
  url: string;
  dataDir: string;
  testItems?: number;
  /** Items the test of one fix may refresh after it, over all its rounds (the sim has 300). */
  maxItems?: number;
}): Record<string, unknown> {
  const sim = plexSimDir();
  return {
    objective: { metric: ['errorRecords', 'titleMatchFailures'], per: 'searchOps', direction: 'lower' },
    phases: {
      aggregate: {
        use: '@ratchet/phase-aggregate',
        with: { preset: 'plex', logs: [join(options.dataDir, 'Logs', 'PMS Plugin Logs')], since: '24h' },
      },
      diagnose: { use: '@ratchet/phase-diagnose', with: { rules: [join(sim, 'rules', 'simdb.yaml')] } },
      implement: {
        use: '@ratchet/phase-implement',
        with: {
          roots: [options.dataDir],
          baseDir: options.dataDir,
          restart: {
            command: [process.execPath, join(sim, 'dist', 'ctl.js'), 'restart', '--url', options.url],
            healthUrl: `${options.url}/identity`,
            timeoutMs: 20_000,
            intervalMs: 100,
          },
        },
      },
      test: {
        use: '@ratchet/phase-test',
        with: {
          refresh: {
            kind: 'plex',
            url: options.url,
            token: '${PLEX_TOKEN}',
            items: options.testItems ?? 40,
            concurrency: 4,
            // The simulator answers in milliseconds: poll it often (a real server wants the defaults).
            pollIntervalMs: 100,
            settleMs: 300,
            timeoutMs: 60_000,
            // A request it leaves unanswered for 5 s will not be answered: give up sooner than the
            // 15 s a real server gets, so that a rehearsed stall (`--faults`) ends in minutes.
            requestTimeoutMs: 5_000,
            retries: 2,
          },
        },
      },
    },
    exit: { maxIterations: 6, plateau: { minImprovementPct: 5, iterations: 2 } },
    // A fix that repairs a few items in a hundred (request-interval) needs most of the library.
    judge: { alpha: 0.05, minSamples: 20, minEffectPct: 10, maxItems: options.maxItems ?? 280, maxRounds: 8 },
    priority: 'LOW',
  };
}

export async function demoCommand(flags: {
  out?: string;
  json?: boolean;
  verbose?: boolean;
  items?: number;
  seed?: number;
  /** A fault plan file for the simulator (docs/plex-sim.md, "Faults"). */
  faults?: string;
}): Promise<void> {
  const dir = flags.out ? resolve(flags.out) : mkdtempSync(join(tmpdir(), 'ratchet-demo-'));
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'plex-data');
  const outDir = join(dir, 'run');
  // The token lives in this process only: child processes (the restart command) inherit it.
  const token = process.env.PLEX_TOKEN || randomBytes(16).toString('hex');
  process.env.PLEX_TOKEN = token;

  const stateFile = join(outDir, 'loop_state.json');
  const previous = existsSync(stateFile) ? RunStore.readState(stateFile) : undefined;
  if (previous?.status === 'finished') {
    printOutcome({ outcome: 'finished', state: previous, outDir }, flags.json);
    process.exitCode = EXIT.ok;
    return;
  }

  // Read before anything starts, so that a bad plan is a usage error with nothing half-done.
  const faults = flags.faults === undefined ? undefined : readFaultPlanFile(resolve(flags.faults));
  const progress = new ProgressDisplay();
  progress.line(`plex-sim: ${existsSync(dataDir) ? 'restarting on' : 'creating'} ${dataDir}`);
  const sim = await createSimulator({
    dataDir,
    port: 0,
    token,
    seed: flags.seed ?? DEMO_SEED,
    ...(flags.items ? { items: flags.items } : {}),
    ...(faults ? { faults } : {}),
  });
  progress.line(
    `plex-sim: listening on ${sim.url}${faults ? ` with the fault plan ${resolve(flags.faults!)}` : ''}`,
  );
  try {
    // A smaller library tests fewer items per fix (at least the 20 the judge needs).
    const testItems = flags.items ? Math.max(20, Math.min(40, Math.floor(flags.items / 3))) : 40;
    const maxItems = flags.items ? Math.max(testItems, Math.min(280, flags.items - 20)) : 280;
    const raw = demoConfig({ url: sim.url, dataDir, testItems, maxItems });
    const loaded: LoadedConfig = {
      config: parseConfig(raw, 'the built-in demo config'),
      resolved: parseConfig(resolveEnv(raw), 'the built-in demo config'),
      filepath: '(built-in demo config)',
      configDir: dir,
    };
    // An abandoned run is moved to previous/ by a new start.
    const result = await executeRun(
      loaded,
      previous && previous.status !== 'abandoned' ? 'resume' : 'start',
      {
        outDir,
        yes: true,
        verbose: flags.verbose,
      },
    );
    printOutcome(result, flags.json);
    if (!flags.json) process.stdout.write(`html report: ${join(outDir, 'final_improvement_report.html')}\n`);
    process.exitCode = exitCodeFor(result.outcome);
  } finally {
    await sim.close();
  }
}
