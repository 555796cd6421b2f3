#!/usr/bin/env node
// Brings a fresh clone to a runnable state with nothing but Node and npm:
// installs dependencies with a pinned pnpm (through npx) when they are missing or stale,
// then builds every package incrementally (tsc -b does nothing when dist/ is up to date).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@10.34.9';

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(
      `bootstrap: '${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})`,
    );
    process.exit(result.status ?? 1);
  }
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`bootstrap: Ratchet needs Node >= 20.19; this is ${process.versions.node}.`);
  process.exit(1);
}

const installMarker = join(root, 'node_modules', '.modules.yaml');
const lockfile = join(root, 'pnpm-lock.yaml');
const stale =
  !existsSync(installMarker) ||
  (existsSync(lockfile) && statSync(lockfile).mtimeMs > statSync(installMarker).mtimeMs);
if (stale) {
  console.error(`bootstrap: installing dependencies with ${PNPM} ...`);
  const frozen = process.env.CI && existsSync(lockfile) ? ['--frozen-lockfile'] : [];
  run('npx', ['--yes', PNPM, 'install', ...frozen]);
}

run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json']);
