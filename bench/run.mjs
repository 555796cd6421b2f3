#!/usr/bin/env node
// `npm run bench`: the benchmarks whose figures are in the README. Each can also run alone:
//   node bench/cli-startup.mjs                      ratchet --help against a bare node start-up
//   node_modules/.bin/jiti bench/aggregate/run.ts   the aggregate on a generated 1 GiB log, and the miner
// Package benchmarks (judge, implement, diagnose, plex-sim) are in packages/*/bench/.
// `npm run bench -- 256` sizes the generated log in MiB (default 1024).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const size = process.argv[2] ?? '1024';

function run(label, command, args) {
  console.log(`\n## ${label}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${label} failed (exit ${result.status})`);
    process.exitCode = 1;
  }
}

run('CLI start-up', process.execPath, ['bench/cli-startup.mjs']);
run('aggregate and template miner', process.execPath, [
  join(root, 'node_modules', 'jiti', 'lib', 'jiti-cli.mjs'),
  'bench/aggregate/run.ts',
  size,
]);
