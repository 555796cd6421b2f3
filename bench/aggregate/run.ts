/**
 * The aggregate benchmark (figures in docs/aggregate.md and the README):
 *  1. for each error profile (`errors2`: about 2% of the records are ERROR or CRITICAL; `errors10`:
 *     about 10%, half of them with a traceback), writes a plug-in log of SIZE MiB (default 1024) to
 *     /tmp, runs the aggregate on it RUNS times in a child process (MB/s, CPU, peak RSS), and times
 *     one `grep -cE` pass over one alternation of the five metric signatures (output to a file);
 *  2. the template miner's grouping accuracy on the six Loghub-2k systems in fixtures/loghub (all
 *     six were used to tune it: systems it was never tuned on are measured by others), and its speed.
 *
 *   node_modules/.bin/jiti bench/aggregate/run.ts [SIZE_MiB=1024] [--keep]   (RUNS=5 aggregate runs)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  groupingAccuracy,
  LOGHUB_LINE_FORMATS,
  loadLoghubSystem,
  TemplateMiner,
} from '../../packages/phase-aggregate/src/index.js';
import { METRIC_GREP_PATTERNS } from '../../packages/plex/src/logs/index.js';
import { LOGHUB_DIR } from '../../test-support/fixtures.js';
import { type ErrorProfile, generatePlexLog } from './generate-plex-log.js';

const sizeMiB = Number(process.argv[2] ?? 1024);
const keep = process.argv.includes('--keep');
const runs = Number(process.env.RUNS ?? 5);
const dir = '/tmp/ratchet-bench';
execFileSync('mkdir', ['-p', dir]);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
const grepPattern = Object.values(METRIC_GREP_PATTERNS)
  .map((pattern) => `(${pattern})`)
  .join('|');

/**
 * One `grep -cE` pass over the alternation, its count written to a file: wall seconds, and CPU
 * seconds (user + system, from /usr/bin/time where there is one) since wall time on a shared
 * machine counts the waits for a core too.
 */
function grepOnce(file: string): { seconds: number; cpuSeconds: number } {
  const out = openSync(join(dir, 'grep.out'), 'w');
  const timeFile = join(dir, 'grep.time');
  const timed = existsSync('/usr/bin/time');
  const args = ['-cE', grepPattern, file];
  const started = process.hrtime.bigint();
  const child = timed
    ? spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, 'grep', ...args], {
        stdio: ['ignore', out, 'inherit'],
        env: { ...process.env, LC_ALL: 'C' },
      })
    : spawnSync('grep', args, { stdio: ['ignore', out, 'inherit'], env: { ...process.env, LC_ALL: 'C' } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  closeSync(out);
  if (child.status !== 0) throw new Error(`grep failed (exit ${child.status})`);
  const cpuSeconds = timed
    ? readFileSync(timeFile, 'utf8')
        .trim()
        .split(/\s+/)
        .reduce((sum, part) => sum + Number(part), 0)
    : Number.NaN;
  return { seconds, cpuSeconds };
}

interface Measurement {
  seconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
  metrics: Record<string, number>;
}

const rows: string[] = [];
for (const profile of ['errors2', 'errors10'] as ErrorProfile[]) {
  const file = join(dir, `com.plexapp.agents.${profile}.log`);
  console.log(`\n### profile ${profile} (load average before: ${load()})`);
  const t = Date.now();
  const generated = generatePlexLog(file, sizeMiB * 1024 * 1024, profile);
  const records = generated.lines - 5 * generated.errorsWithTraceback;
  console.log(
    `generated ${(generated.bytes / 2 ** 20).toFixed(0)} MiB, ${generated.lines} lines, ${records} records ` +
      `(${((100 * generated.errorRecords) / records).toFixed(1)}% ERROR or CRITICAL, ` +
      `${((100 * generated.errorsWithTraceback) / generated.errorRecords).toFixed(0)}% of them with a traceback) ` +
      `in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  // The aggregate runs on the built package in a child process, so that its peak RSS is its own and
  // no transpiler is in the way. Runs and greps take turns, so that both meet the same load.
  const measurements: Measurement[] = [];
  const greps: Array<{ seconds: number; cpuSeconds: number }> = [];
  for (let run = 0; run < runs; run += 1) {
    const child = spawnSync(process.execPath, ['bench/aggregate/measure-aggregate.mjs', file], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (child.status !== 0) throw new Error(`aggregate failed: ${child.stderr}`);
    const one = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Measurement;
    measurements.push(one);
    greps.push(grepOnce(file));
    console.log(
      `run ${run + 1}: aggregate ${one.seconds.toFixed(2)} s wall (${one.cpuSeconds.toFixed(2)} s CPU), ` +
        `${(generated.bytes / 1e6 / one.seconds).toFixed(0)} MB/s, peak RSS ${(one.maxRssBytes / 2 ** 20).toFixed(0)} MiB; ` +
        `grep ${greps[greps.length - 1]?.seconds.toFixed(2)} s wall (${greps[greps.length - 1]?.cpuSeconds.toFixed(2)} s CPU)`,
    );
  }
  const byWall = [...measurements].sort((a, b) => a.seconds - b.seconds);
  const best = byWall[0] as Measurement;
  const median = byWall[Math.floor((byWall.length - 1) / 2)] as Measurement;
  const sortedGreps = [...greps].sort((a, b) => a.seconds - b.seconds);
  const grepBest = (sortedGreps[0] as (typeof greps)[number]).seconds;
  const grepMedian = (sortedGreps[Math.floor((sortedGreps.length - 1) / 2)] as (typeof greps)[number])
    .seconds;
  const grepCpu = Math.min(...greps.map((one) => one.cpuSeconds));
  const aggregateCpu = Math.min(...measurements.map((one) => one.cpuSeconds));
  const peakRss = Math.max(...measurements.map((one) => one.maxRssBytes));
  for (const key of [
    'searchOps',
    'updateOps',
    'urlErrors',
    'modelErrors',
    'exceptions',
    'errorRecords',
  ] as const) {
    if (median.metrics[key] !== generated[key])
      console.log(`MISMATCH ${key}: aggregate ${median.metrics[key]} vs generated ${generated[key]}`);
  }
  const grepCount = Number(execFileSync('cat', [join(dir, 'grep.out')], { encoding: 'utf8' }).trim());
  const expectedGrep =
    generated.searchOps +
    generated.updateOps +
    generated.urlErrors +
    generated.modelErrors +
    generated.exceptions;
  if (grepCount !== expectedGrep) console.log(`grep counted ${grepCount} lines, expected ${expectedGrep}`);
  const mbps = (seconds: number) => (generated.bytes / 1e6 / seconds).toFixed(0);
  rows.push(
    `| ${profile} | ${best.seconds.toFixed(2)} s (${mbps(best.seconds)} MB/s) | ${median.seconds.toFixed(2)} s (${mbps(median.seconds)} MB/s) | ` +
      `${aggregateCpu.toFixed(2)} s (${mbps(aggregateCpu)} MB/s) | ${(peakRss / 2 ** 20).toFixed(0)} MiB | ` +
      `${grepBest.toFixed(2)} s / ${grepCpu.toFixed(2)} s | ` +
      `${(best.seconds / grepBest).toFixed(2)}x | ${(median.seconds / grepMedian).toFixed(2)}x | ${(aggregateCpu / grepCpu).toFixed(2)}x |`,
  );
  if (!keep) rmSync(file, { force: true });
  console.log(`load average after: ${load()}`);
}
console.log(`\n${(sizeMiB / 1024).toFixed(2)} GiB per profile, ${runs} runs each:\n`);
console.log(
  '| profile | best wall | median wall | least CPU | peak RSS | grep, one pass: best wall / least CPU | best / best grep (wall) | median / median grep (wall) | least CPU / least grep CPU |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
if (!keep) rmSync(dir, { recursive: true, force: true });

const rounds = 10;
let lines = 0;
let minerSeconds = 0;
const systems: Array<[string, string[]]> = [];
const accuracies: Array<[string, number]> = [];
for (const name of Object.keys(LOGHUB_LINE_FORMATS)) {
  const data = await loadLoghubSystem(LOGHUB_DIR, name);
  const format = new RegExp(LOGHUB_LINE_FORMATS[name] ?? '');
  const messages = data.lines.map((line) => format.exec(line)?.groups?.message ?? line);
  systems.push([name, messages]);
  const miner = new TemplateMiner();
  accuracies.push([
    name,
    groupingAccuracy(
      messages.map((message) => miner.add(message).id),
      data.eventIds,
    ),
  ]);
}
console.log('\n| system | grouping accuracy | tuned on it |');
console.log('| --- | ---: | --- |');
for (const [name, accuracy] of accuracies) console.log(`| ${name} | ${accuracy.toFixed(4)} | yes |`);
console.log(
  `| mean of the six | ${(accuracies.reduce((sum, [, accuracy]) => sum + accuracy, 0) / accuracies.length).toFixed(4)} | yes |`,
);
console.log('Systems the miner was never tuned on are measured by others (not in this repository).\n');
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
console.log(`load average after: ${load()}`);
