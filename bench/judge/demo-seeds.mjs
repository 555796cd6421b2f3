#!/usr/bin/env node
// Runs `ratchet demo --seed N` through the real bin for seeds 1..12 (or those given) and prints,
// per seed, the exit code, the decisions, whether any was wrong (the lower match threshold kept,
// or one of the five real fixes rolled back) and the evidence each decision took. Figures in
// docs/decisions.md. Build first (`npm run build`); about a minute per seed.
//   node bench/judge/demo-seeds.mjs [SEED ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'packages', 'cli', 'bin', 'ratchet.js');
const seeds = process.argv.slice(2).map(Number);
const HARMFUL = 'simdb-lower-match-threshold';

const rows = [];
for (const seed of seeds.length > 0 ? seeds : Array.from({ length: 12 }, (_, i) => i + 1)) {
  const dir = mkdtempSync(join(tmpdir(), `ratchet-demo-seed${seed}-`));
  const started = Date.now();
  const run = spawnSync(process.execPath, [bin, 'demo', '--seed', String(seed), '--out', dir, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (Date.now() - started) / 1000;
  let decisions = [];
  try {
    const log = JSON.parse(readFileSync(join(dir, 'run', 'decision_log.json'), 'utf8'));
    decisions = Array.isArray(log) ? log : (log.decisions ?? []);
  } catch {
    // no decision log: the run failed before deciding anything; the exit code says so
  }
  const tested = decisions.filter((d) => ['KEEP', 'ROLLBACK', 'MONITOR', 'MODIFY'].includes(d.outcome));
  const wrong = tested.filter(
    (d) =>
      (d.fixId === HARMFUL && d.outcome === 'KEEP') ||
      (d.fixId !== HARMFUL && ['ROLLBACK', 'MODIFY'].includes(d.outcome)),
  );
  const effort = tested.map((d) => d.evidence?.sequential?.total).filter(Boolean);
  const items = effort.reduce((sum, e) => sum + e.items, 0);
  rows.push({
    seed,
    exit: run.status,
    kept: tested.filter((d) => d.outcome === 'KEEP').length,
    rolledBack: tested.filter((d) => d.outcome === 'ROLLBACK').map((d) => d.fixId),
    monitor: tested.filter((d) => d.outcome === 'MONITOR').length,
    wrong: wrong.map((d) => `${d.fixId} ${d.outcome}`),
    rounds: effort.map((e) => e.rounds).join(' '),
    itemsPerDecision: effort.length > 0 ? items / effort.length : 0,
    seconds,
  });
  const row = rows.at(-1);
  console.error(
    `seed ${seed}: exit ${row.exit}, ${row.kept} kept, wrong ${row.wrong.length}, ${seconds.toFixed(0)} s`,
  );
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  '| seed | exit | kept | rolled back | MONITOR | wrong | rounds per decision | items per decision |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) {
  console.log(
    `| ${row.seed} | ${row.exit} | ${row.kept} | ${row.rolledBack.join(', ') || '-'} | ${row.monitor} | ${row.wrong.join(', ') || 0} | ${row.rounds} | ${row.itemsPerDecision.toFixed(0)} |`,
  );
}
const paused = rows.filter((row) => row.exit !== 0).length;
const wrong = rows.reduce((sum, row) => sum + row.wrong.length, 0);
console.log(
  `\n${rows.length} seeds: ${wrong} wrong decisions, ${paused} runs that did not finish with exit 0.`,
);
process.exitCode = wrong > 0 || paused > 0 ? 1 : 0;
