#!/usr/bin/env node
// `ratchet --help` must answer within 3x the start-up time of a bare `node -e 0`: the CLI loads
// phase packages lazily. Runs each command N times and compares medians (a benchmark, not a test).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli', 'bin', 'ratchet.js');
const runs = Number(process.env.RUNS ?? 15);

function median(args) {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

median(['-e', '0']); // warm the file cache
const bare = median(['-e', '0']);
const help = median([bin, '--help']);
const ratio = help / bare;
console.log(
  JSON.stringify({
    runs,
    nodeBareMs: +bare.toFixed(1),
    ratchetHelpMs: +help.toFixed(1),
    ratio: +ratio.toFixed(2),
    limit: 3,
  }),
);
if (ratio > 3) {
  console.error(`ratchet --help took ${ratio.toFixed(2)}x a bare node start (limit 3x)`);
  process.exitCode = 1;
}
