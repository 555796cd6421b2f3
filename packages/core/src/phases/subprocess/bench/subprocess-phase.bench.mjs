// Measures the cost of running a phase as a subprocess and how stderr floods are handled.
// Build first (node node_modules/typescript/bin/tsc -b packages/core), then from the repo root:
//   node --expose-gc packages/core/src/phases/subprocess/bench/subprocess-phase.bench.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSubprocessPhase } from '../../../../dist/phases/subprocess/index.js';

const RUNS = Number(process.env.RUNS ?? 20);
const FLOOD_MIB = Number(process.env.FLOOD_MIB ?? 100);

const dir = await mkdtemp(join(tmpdir(), 'ratchet-subprocess-bench-'));
const abort = new AbortController();
let logged = 0;
const log = {
  debug() {},
  info() {
    logged++;
  },
  warn() {},
  error() {},
};
const ctx = {
  iteration: 1,
  runDir: join(dir, 'iterations', '01'),
  outDir: dir,
  signal: abort.signal,
  log,
  events: undefined,
  state: {},
  measure: () => Promise.reject(new Error('unused')),
  progress() {},
};
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timeRuns(label, command) {
  const phase = createSubprocessPhase('aggregate', { command }, { configDir: dir, log });
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await phase.run({ purpose: 'baseline' }, ctx);
    times.push(performance.now() - start);
  }
  console.log(`${label}: median ${median(times).toFixed(1)} ms over ${RUNS} runs`);
}

async function timeBare(label, command) {
  const { execa } = await import('execa');
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await execa(command[0], command.slice(1));
    times.push(performance.now() - start);
  }
  console.log(`${label}: median ${median(times).toFixed(1)} ms over ${RUNS} runs`);
}

try {
  const echo = 'echo \'{"metrics": {"x": 1}}\' > "$1"';
  await timeBare('bare execa, bash -c true', ['bash', '-c', 'true']);
  await timeRuns('subprocess phase, bash result to {output}', ['bash', '-c', echo, 'bench', '{output}']);
  await timeRuns('subprocess phase, python3 result on stdout', [
    'python3',
    '-c',
    'import json; print(json.dumps({"metrics": {"x": 1}}))',
  ]);

  const lines = Math.round((FLOOD_MIB * 1024 * 1024) / 100);
  // yes | head produces lines far faster than Ratchet consumes them: this measures Ratchet's side.
  const flood = `yes "$(printf '%099d' 0)" | head -n ${lines} >&2; echo '{"metrics": {}}'`;
  const phase = createSubprocessPhase(
    'aggregate',
    { command: ['bash', '-c', flood] },
    { configDir: dir, log },
  );
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = 0;
  const sampler = setInterval(() => {
    globalThis.gc?.();
    peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
  }, 50);
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  await phase.run({ purpose: 'baseline' }, ctx);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(sampler);
  const rss = process.memoryUsage().rss;
  console.log(
    `stderr flood: ${FLOOD_MIB} MiB, ${logged} lines logged in ${seconds.toFixed(2)} s ` +
      `(${(FLOOD_MIB / seconds).toFixed(0)} MiB/s wall, ${(FLOOD_MIB / cpuSeconds).toFixed(0)} MiB per CPU second of Ratchet); peak retained heap ` +
      `${globalThis.gc ? `${(peak / 1024 / 1024).toFixed(2)} MiB` : '(run with --expose-gc)'}; rss ${(rss / 1024 / 1024).toFixed(0)} MiB`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
