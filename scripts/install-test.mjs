#!/usr/bin/env node
// The install test: the packages as a user gets them from the registry. Packs every package with
// the pinned pnpm, checks that each tarball holds what it needs at run time, installs the tarballs
// with plain npm (no workspace) into an empty folder, and runs there what the README tells a user
// to run: `npx @ratchet/cli demo`, `ratchet init --preset plex` + `ratchet validate`, and a config
// that names every phase package by name. Needs the built packages (`npm run build`) and the npm
// registry (for third-party dependencies). `--keep` leaves the temp folder for a look.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  packageProblems,
  packWorkspace,
  tarballFiles,
  tarballManifest,
  workspacePackages,
} from './packaging.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const started = performance.now();
// A hung command fails the test instead of CI; generous, because CI machines are often loaded.
const COMMAND_TIMEOUT_MS = 10 * 60_000;

class Failure extends Error {}

function fail(message) {
  throw new Failure(message);
}

async function step(name, body) {
  const start = performance.now();
  const result = await body();
  console.error(`install-test: ${name} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  return result;
}

/** The environment of a user's shell: nothing npm set for the script that runs this one. */
function userEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !/^npm_config_(registry|cache|userconfig)$/i.test(key)) continue;
    if (key === 'INIT_CWD' || key === 'PLEX_TOKEN') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function sh(command, args, { cwd, env = userEnv(), expect = [0] } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: COMMAND_TIMEOUT_MS,
  });
  const output = `${result.stdout}${result.stderr}`;
  if (!expect.includes(result.status)) {
    fail(`'${command} ${args.join(' ')}' in ${cwd} exited ${result.status ?? result.signal}\n${output}`);
  }
  return result;
}

/** `ratchet sim` in the background; resolves with its URL once it listens. */
function startSimulator(cwd, dataDir, token) {
  const child = spawn('npx', ['ratchet', 'sim', '--port', '0', '--data', dataDir, '--seed', '7'], {
    cwd,
    env: userEnv({ PLEX_TOKEN: token }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      seen += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          stop: () => child.exitCode === null && process.kill(-child.pid, 'SIGTERM'),
        });
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => reject(new Failure(`ratchet sim exited ${code} before listening:\n${seen}`)));
    const timer = setTimeout(() => {
      process.kill(-child.pid, 'SIGKILL');
      reject(new Failure(`ratchet sim did not listen within 2 minutes:\n${seen}`));
    }, 120_000);
    timer.unref();
  });
}

const packages = workspacePackages(root);
const work = mkdtempSync(join(tmpdir(), 'ratchet-install-test-'));
const tarballDir = join(work, 'tarballs');
const user = join(work, 'user');
mkdirSync(tarballDir);
mkdirSync(user);
console.error(`install-test: Node ${process.versions.node}, in ${work}`);
let passed = false;

try {
  for (const { dir, manifest } of packages) {
    if (!existsSync(join(dir, 'dist'))) fail(`${manifest.name} is not built: run \`npm run build\` first`);
  }

  const tarballs = await step(`packed ${packages.length} packages`, () => {
    const packed = packWorkspace(root, tarballDir);
    return packages.map((pkg) => {
      const tarball = packed.get(pkg.manifest.name);
      if (!tarball) fail(`pnpm pack made no tarball for ${pkg.manifest.name}`);
      return { pkg, tarball };
    });
  });

  await step('checked what each tarball holds', () => {
    const problems = tarballs.flatMap(({ pkg, tarball }) =>
      packageProblems(pkg, tarballFiles(tarball), tarballManifest(tarball)).map(
        (problem) => `${pkg.manifest.name}: ${problem}`,
      ),
    );
    if (problems.length > 0) fail(`the tarballs are not what a user needs:\n  ${problems.join('\n  ')}`);
  });

  await step('installed the tarballs with npm', () => {
    writeFileSync(
      join(user, 'package.json'),
      `${JSON.stringify({ name: 'ratchet-user', private: true }, null, 2)}\n`,
    );
    sh('npm', ['install', '--no-audit', '--no-fund', ...tarballs.map(({ tarball }) => tarball)], {
      cwd: user,
    });
  });

  await step('imported every package by name', () => {
    const names = packages.map(({ manifest }) => manifest.name);
    const check = `
      const names = ${JSON.stringify(names)};
      for (const name of names) {
        const mod = await import(name);
        if (Object.keys(mod).length === 0 && name !== '@ratchet/cli') throw new Error(name + ' exports nothing');
        if (name.startsWith('@ratchet/phase-') && typeof mod.default !== 'function')
          throw new Error(name + ': the default export is not a phase factory');
      }
      const { createRequire } = await import('node:module');
      const require = createRequire(process.cwd() + '/');
      for (const file of ['@ratchet/core/schema.json', '@ratchet/phase-diagnose/rules/plex.yaml',
                          '@ratchet/phase-diagnose/rules/schema.json'])
        require.resolve(file);
    `;
    sh(process.execPath, ['--input-type=module', '-e', check], { cwd: user });
  });

  await step("the package READMEs' examples, as a program", () => {
    // @ratchet/plex-sim, @ratchet/plex and @ratchet/phase-aggregate used alone, as their READMEs show.
    const program = `
      import { aggregatePlexLogs } from '@ratchet/phase-aggregate';
      import { PlexClient } from '@ratchet/plex';
      import { createSimulator } from '@ratchet/plex-sim';

      const sim = await createSimulator({ dataDir: './alone-sim', port: 0 });
      const plex = new PlexClient({ url: sim.url, token: sim.token });
      await plex.identity();
      const sections = await plex.sections();
      await sim.close();
      const result = await aggregatePlexLogs({ paths: ['./alone-sim/Logs/PMS Plugin Logs'] });
      if (sections.length !== 1 || !(result.metrics.searchOps > 0) || result.errorTypes.length === 0)
        throw new Error('unexpected: ' + JSON.stringify({ sections, metrics: result.metrics }));
    `;
    sh(process.execPath, ['--input-type=module', '-e', program], { cwd: user });
  });

  await step('npx @ratchet/cli demo', () => {
    const demo = sh('npx', ['@ratchet/cli', 'demo', '--out', 'demo'], { cwd: user });
    if (!/^status: finished/m.test(demo.stdout)) fail(`the demo did not finish:\n${demo.stdout}`);
    for (const report of ['final_improvement_report.md', 'final_improvement_report.html']) {
      if (!existsSync(join(user, 'demo', 'run', report))) fail(`the demo wrote no ${report}`);
    }
  });

  const token = randomBytes(12).toString('hex');
  const simData = join(user, 'plex-data');
  const sim = await step('ratchet sim', () => startSimulator(user, simData, token));
  try {
    const plexEnv = userEnv({
      PLEX_TOKEN: token,
      PLEX_URL: sim.url,
      PLEX_DATA_DIR: simData,
      PLEX_MEDIA_SERVER_LOG_DIR: join(simData, 'Logs'),
    });

    const ctl = join(user, 'node_modules', '@ratchet', 'plex-sim', 'dist', 'ctl.js');
    const restart = [process.execPath, ctl, 'restart', '--url', sim.url];

    await step('ratchet init --preset plex, ratchet validate', () => {
      // As the README's real-server section runs it: init finds the install from the environment;
      // there is no systemd here, so the restart command is given (the simulator's, as the CI rehearsal does).
      const project = join(user, 'init-plex');
      mkdirSync(project);
      sh('npx', ['ratchet', 'init', '--preset', 'plex', '--restart-command', JSON.stringify(restart)], {
        cwd: project,
        env: plexEnv,
      });
      sh('npx', ['ratchet', 'validate'], { cwd: project, env: plexEnv });
    });

    await step('a config naming each phase package, validated and run', () => {
      const project = join(user, 'by-name');
      mkdirSync(project);
      const rules = join(user, 'node_modules', '@ratchet', 'plex-sim', 'rules', 'simdb.yaml');
      writeFileSync(join(project, 'ratchet.config.mjs'), byNameConfig({ ctl, rules }));
      sh('npx', ['ratchet', 'validate'], { cwd: project, env: plexEnv });
      const run = sh('npx', ['ratchet', 'run', '--yes', '--max-iterations', '1', '--json'], {
        cwd: project,
        env: plexEnv,
      });
      const outcome = JSON.parse(run.stdout);
      if (outcome.outcome !== 'finished') fail(`the run did not finish:\n${run.stdout}`);
      // implementation.json and test.json: a fix went through the implement and test packages.
      for (const file of ['aggregate.json', 'diagnosis.json', 'implementation.json', 'test.json']) {
        if (!existsSync(join(project, '.ratchet', 'iterations', '01', file)))
          fail(`the run wrote no ${file}`);
      }
      if (readFileSync(join(project, '.ratchet', 'run_config.json'), 'utf8').includes(token)) {
        fail('the token reached run_config.json');
      }
    });
  } finally {
    sim.stop();
  }
  console.error(`install-test: passed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  passed = true;
} catch (error) {
  console.error(`install-test: FAILED: ${error instanceof Failure ? error.message : error.stack}`);
  process.exitCode = 1;
} finally {
  if (keep || !passed) console.error(`install-test: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** The config a user writes by hand: each phase named by its package, the token from the environment. */
function byNameConfig({ ctl, rules }) {
  return `// Each phase is loaded by package name from this folder's node_modules.
export default {
  objective: { metric: ['errorRecords', 'titleMatchFailures'], per: 'searchOps', direction: 'lower' },
  phases: {
    aggregate: { use: '@ratchet/phase-aggregate', with: { preset: 'plex', logs: ['\${PLEX_MEDIA_SERVER_LOG_DIR}/PMS Plugin Logs'], since: '24h' } },
    diagnose: { use: '@ratchet/phase-diagnose', with: { rules: [${JSON.stringify(rules)}] } },
    implement: {
      use: '@ratchet/phase-implement',
      with: {
        roots: ['\${PLEX_DATA_DIR}'],
        baseDir: '\${PLEX_DATA_DIR}',
        restart: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(ctl)}, 'restart', '--url', '\${PLEX_URL}'], healthUrl: '\${PLEX_URL}/identity', timeoutMs: 20000, intervalMs: 100 },
      },
    },
    test: {
      use: '@ratchet/phase-test',
      with: { refresh: { kind: 'plex', url: '\${PLEX_URL}', token: '\${PLEX_TOKEN}', items: 40, concurrency: 4, pollIntervalMs: 100, settleMs: 300, timeoutMs: 60000 } },
    },
  },
  exit: { maxIterations: 1 },
  judge: { alpha: 0.05, minSamples: 20, minEffectPct: 10 },
  priority: 'LOW',
};
`;
}
