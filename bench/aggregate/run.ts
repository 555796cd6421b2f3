/**
 * The aggregate benchmark (figures in docs/aggregate.md):
 *  1. writes a plug-in log of SIZE MiB (default 1024) to /tmp,
 *  2. runs the aggregate on it in a child process: MB/s and peak RSS,
 *  3. times `grep -cE` of each of the five metric signatures on the same file,
 *  4. times the template miner on the six Loghub systems (lines/s).
 *
 *   node_modules/.bin/jiti bench/aggregate/run.ts [SIZE_MiB=1024] [--keep]   (RUNS=5 aggregate runs)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  LOGHUB_LINE_FORMATS,
  loadLoghubSystem,
  TemplateMiner,
} from '../../packages/phase-aggregate/src/index.js';
import { METRIC_GREP_PATTERNS } from '../../packages/plex/src/logs/index.js';
import { generatePlexLog } from './generate-plex-log.js';

const sizeMiB = Number(process.argv[2] ?? 1024);
const keep = process.argv.includes('--keep');
const file = `/tmp/ratchet-bench/com.plexapp.agents.simdb.log`;
execFileSync('mkdir', ['-p', '/tmp/ratchet-bench']);

console.log(
  `load average before: ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);
let t = Date.now();
const generated = generatePlexLog(file, sizeMiB * 1024 * 1024);
console.log(
  `generated ${(generated.bytes / 2 ** 20).toFixed(0)} MiB, ${generated.lines} lines in ${((Date.now() - t) / 1000).toFixed(1)} s`,
);
console.log(`expected: ${JSON.stringify(generated)}`);

// The aggregate runs on the built package (tsc -b packages/phase-aggregate) in a child process, so
// that its peak RSS is its own and no transpiler is in the way. It runs RUNS times (default 5): on
// shared machines one run's wall time varies by 1.5x, so the best and the median are reported.
const runs = Number(process.env.RUNS ?? 5);
const measurements: Array<{
  seconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
  metrics: Record<string, number>;
}> = [];
for (let run = 0; run < runs; run += 1) {
  const child = spawnSync(process.execPath, ['bench/aggregate/measure-aggregate.mjs', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (child.status !== 0) throw new Error(`aggregate failed: ${child.stderr}`);
  const one = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}');
  measurements.push(one);
  console.log(
    `aggregate run ${run + 1}: ${one.seconds.toFixed(2)} s wall (${one.cpuSeconds.toFixed(2)} s CPU), ` +
      `${(generated.bytes / 1e6 / one.seconds).toFixed(0)} MB/s, peak RSS ${(one.maxRssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
}
const byWall = [...measurements].sort((a, b) => a.seconds - b.seconds);
const best = byWall[0] as (typeof measurements)[number];
const median = byWall[Math.floor((byWall.length - 1) / 2)] as (typeof measurements)[number];
const measured = median;
const peakRss = Math.max(...measurements.map((one) => one.maxRssBytes));
console.log(
  `aggregate: best ${best.seconds.toFixed(2)} s (${(generated.bytes / 1e6 / best.seconds).toFixed(0)} MB/s), ` +
    `median ${median.seconds.toFixed(2)} s (${(generated.bytes / 1e6 / median.seconds).toFixed(0)} MB/s), ` +
    `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB over ${runs} runs`,
);
console.log(`aggregate metrics: ${JSON.stringify(measured.metrics)}`);
for (const key of ['searchOps', 'updateOps', 'urlErrors', 'modelErrors', 'exceptions'] as const) {
  if (measured.metrics[key] !== generated[key])
    console.log(`MISMATCH ${key}: aggregate ${measured.metrics[key]} vs generated ${generated[key]}`);
}

let grepSeconds = 0;
for (const [metric, pattern] of Object.entries(METRIC_GREP_PATTERNS)) {
  t = Date.now();
  const out = spawnSync('grep', ['-cE', pattern, file], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
  const seconds = (Date.now() - t) / 1000;
  grepSeconds += seconds;
  console.log(
    `grep -cE ${metric}: ${out.stdout.trim()} in ${seconds.toFixed(2)} s (aggregate: ${measured.metrics[metric]})`,
  );
}
console.log(
  `grep total for five signatures: ${grepSeconds.toFixed(2)} s; aggregate (median) / grep = ${(measured.seconds / grepSeconds).toFixed(2)}x`,
);
if (!keep) rmSync('/tmp/ratchet-bench', { recursive: true, force: true });

const rounds = 10;
let lines = 0;
let minerSeconds = 0;
const systems: Array<[string, string[]]> = [];
for (const name of Object.keys(LOGHUB_LINE_FORMATS)) {
  const data = await loadLoghubSystem(join(process.cwd(), '..', 'shared', 'loghub'), name);
  const format = new RegExp(LOGHUB_LINE_FORMATS[name] ?? '');
  systems.push([name, data.lines.map((line) => format.exec(line)?.groups?.message ?? line)]);
}
// One untimed pass so that every system is timed on warm (JIT-compiled) code.
for (const [, messages] of systems) {
  const miner = new TemplateMiner();
  for (const message of messages) miner.add(message);
}
for (const [name, messages] of systems) {
  const started = process.hrtime.bigint();
  for (let round = 0; round < rounds; round += 1) {
    const miner = new TemplateMiner();
    for (const message of messages) miner.add(message);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  minerSeconds += seconds;
  lines += messages.length * rounds;
  console.log(`miner ${name}: ${Math.round((messages.length * rounds) / seconds)} lines/s`);
}
console.log(
  `miner overall: ${Math.round(lines / minerSeconds)} lines/s (Drain3 reference: about 150k lines/s)`,
);
console.log(
  `load average after: ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);
