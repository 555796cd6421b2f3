/**
 * The judge benchmark (table in docs/decisions.md and the README's figures): thousands of seeded
 * synthetic tests of fixes whose true effect is known, decided by today's sequential test phase
 * (the real `runSequentialTest` and `judge`, with a simulated refresh source) beside the judge as
 * it was before (bench/judge/baseline-judge.ts: one fixed-size test, and a retest of the same
 * items after each MONITOR, up to judge.maxMonitor = 3, then the loop rolls the fix back).
 *
 *   node_modules/.bin/jiti bench/judge/run.ts [RUNS=2000]
 */
import type { AggregateResult, Objective } from '../../packages/core/src/index.js';
import {
  DEFAULT_JUDGE_SETTINGS,
  pooledFromPrevious,
  type RoundSource,
  runSequentialTest,
  seededRandom,
} from '../../packages/phase-test/src/index.js';
import { judge as baselineJudge } from './baseline-judge.js';

const RUNS = Number(process.argv[2] ?? 2000);
const SETTINGS = {
  ...DEFAULT_JUDGE_SETTINGS,
  ...(process.env.MAX_ITEMS ? { maxItems: Number(process.env.MAX_ITEMS) } : {}),
  ...(process.env.MAX_ROUNDS ? { maxRounds: Number(process.env.MAX_ROUNDS) } : {}),
};
const MAX_MONITOR = 3;
const objective: Objective = { metric: 'failures', per: 'searchOps', direction: 'lower' };

type Outcome = 'KEEP' | 'ROLLBACK' | 'MODIFY' | 'MONITOR';

interface Scenario {
  name: string;
  /** What a right decision is: KEEP a fix that helps, ROLLBACK one that harms or does nothing. */
  truth: 'helps' | 'harms' | 'null';
  kind: 'items' | 'counts';
  before: number;
  after: number;
  /** Items: the share of an item's "after" that repeats its "before" draw (0 = independent). */
  correlation?: number;
}

export const SCENARIOS: Scenario[] = [
  { name: 'null 0.3 -> 0.3, independent items', truth: 'null', kind: 'items', before: 0.3, after: 0.3 },
  {
    name: 'null 0.3 -> 0.3, correlated items',
    truth: 'null',
    kind: 'items',
    before: 0.3,
    after: 0.3,
    correlation: 0.8,
  },
  { name: 'helpful 0.5 -> 0.25, independent', truth: 'helps', kind: 'items', before: 0.5, after: 0.25 },
  {
    name: 'helpful 0.5 -> 0.25, correlated',
    truth: 'helps',
    kind: 'items',
    before: 0.5,
    after: 0.25,
    correlation: 0.8,
  },
  { name: 'helpful 0.5 -> 0.1, independent', truth: 'helps', kind: 'items', before: 0.5, after: 0.1 },
  { name: 'harmful 0.2 -> 0.4, independent', truth: 'harms', kind: 'items', before: 0.2, after: 0.4 },
  {
    name: 'harmful 0.2 -> 0.4, correlated',
    truth: 'harms',
    kind: 'items',
    before: 0.2,
    after: 0.4,
    correlation: 0.8,
  },
  { name: 'counts null 0.3 -> 0.3 per search', truth: 'null', kind: 'counts', before: 0.3, after: 0.3 },
  { name: 'counts helpful 0.3 -> 0.15 per search', truth: 'helps', kind: 'counts', before: 0.3, after: 0.15 },
  { name: 'counts harmful 0.15 -> 0.3 per search', truth: 'harms', kind: 'counts', before: 0.15, after: 0.3 },
];

/** Searches in the "before" window of a count test, and per round (or per test) after the fix. */
const COUNT_BEFORE = 400;
const COUNT_ROUND = 40;

interface Item {
  key: string;
  u: number;
  failsBefore: boolean;
}

/** A world: the items (with their "before") and a way to draw "after" outcomes. */
class World {
  readonly random: () => number;
  constructor(
    readonly scenario: Scenario,
    seed: string,
  ) {
    this.random = seededRandom(seed);
  }

  items(count: number, prefix: string): Item[] {
    return Array.from({ length: count }, (_, index) => {
      const u = this.random();
      return { key: `${prefix}${index}`, u, failsBefore: u < this.scenario.before };
    });
  }

  failsAfter(item: Item): boolean {
    const correlation = this.scenario.correlation ?? 0;
    const u = this.random() < correlation ? item.u : this.random();
    return u < this.scenario.after;
  }

  poisson(mean: number): number {
    // Knuth for small means, a normal approximation beyond: the bench's means stay under 200.
    if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let product = this.random();
    while (product > limit) {
      k += 1;
      product *= this.random();
    }
    return k;
  }

  private normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
  }
}

function itemsMeasurement(items: { key: string; fails: boolean }[]): AggregateResult {
  const failures = items.filter((item) => item.fails).length;
  return {
    metrics: { failures, searchOps: items.length },
    errorTypes: [],
    items: items.map((item) => ({ item: item.key, ok: !item.fails })),
  };
}

function countsMeasurement(failures: number, searches: number): AggregateResult {
  return { metrics: { failures, searchOps: searches }, errorTypes: [] };
}

interface Result {
  outcome: Outcome;
  paused: boolean;
  itemsBefore: number;
  itemsAfter: number;
}

/** Today's judge: one test of `size` items, retested on the same items after each MONITOR. */
function baseline(world: World, size: number): Result {
  const settings = { alpha: 0.05, minSamples: 20, minEffectPct: 10, criticalMetrics: [] };
  const { scenario } = world;
  let before: AggregateResult;
  let items: Item[] = [];
  if (scenario.kind === 'items') {
    items = world.items(size, 'i');
    before = itemsMeasurement(items.map((item) => ({ key: item.key, fails: item.failsBefore })));
  } else {
    before = countsMeasurement(world.poisson(scenario.before * COUNT_BEFORE), COUNT_BEFORE);
  }
  let itemsAfter = 0;
  for (let test = 0; test <= MAX_MONITOR; test += 1) {
    const after =
      scenario.kind === 'items'
        ? itemsMeasurement(items.map((item) => ({ key: item.key, fails: world.failsAfter(item) })))
        : countsMeasurement(world.poisson(scenario.after * COUNT_ROUND), COUNT_ROUND);
    itemsAfter += scenario.kind === 'items' ? size : COUNT_ROUND;
    const { decision } = baselineJudge({ objective, before, after, settings });
    if (decision !== 'MONITOR') {
      return {
        outcome: decision,
        paused: test > 0,
        itemsBefore: scenario.kind === 'items' ? size : 0,
        itemsAfter,
      };
    }
  }
  return { outcome: 'MONITOR', paused: true, itemsBefore: scenario.kind === 'items' ? size : 0, itemsAfter };
}

/** The sequential test phase with the default budget; a MONITOR is retested with `previous`. */
async function sequential(world: World, run: number): Promise<Result> {
  const settings = SETTINGS;
  const { scenario } = world;
  const roundSize = 20;
  let before: AggregateResult;
  let pool: Item[] = [];
  let reserve: Item[] = [];
  if (scenario.kind === 'items') {
    // As measureBefore does when the logs saw enough items once: 20 refreshed before the fix, the
    // rest paired with their logged outcome (the same model: the logs are a "before" like any other).
    pool = world.items(roundSize, 'i');
    reserve = world.items(settings.maxItems - roundSize, 'r');
    before = {
      ...itemsMeasurement([...pool, ...reserve].map((item) => ({ key: item.key, fails: item.failsBefore }))),
      testItems: pool.map((item) => item.key),
      reserveItems: reserve.map((item) => item.key),
    };
  } else {
    before = countsMeasurement(world.poisson(scenario.before * COUNT_BEFORE), COUNT_BEFORE);
  }
  const byKey = new Map([...pool, ...reserve].map((item) => [item.key, item]));
  let itemsAfter = 0;
  const source: RoundSource = {
    waitPerRoundMs: scenario.kind === 'counts' ? settings.maxWait / settings.maxRounds : undefined,
    async measureRound(_round, keys) {
      if (scenario.kind === 'counts') {
        itemsAfter += COUNT_ROUND;
        return {
          measured: countsMeasurement(world.poisson(scenario.after * COUNT_ROUND), COUNT_ROUND),
          requests: 0,
          waitedMs: settings.maxWait / settings.maxRounds,
        };
      }
      const chosen = (keys ?? []).map((key) => byKey.get(key) as Item);
      itemsAfter += chosen.length;
      return {
        measured: itemsMeasurement(chosen.map((item) => ({ key: item.key, fails: world.failsAfter(item) }))),
        requests: chosen.length,
        waitedMs: 0,
      };
    },
  };
  const previous: { decision: 'MONITOR'; rationale: string; evidence: Record<string, unknown> }[] = [];
  for (let test = 0; test <= MAX_MONITOR; test += 1) {
    const { judgement, evidence } = await runSequentialTest({
      objective,
      before,
      settings,
      previous: pooledFromPrevious(previous),
      pool: scenario.kind === 'items' ? pool.map((item) => item.key) : undefined,
      reserve: reserve.map((item) => item.key),
      roundSize,
      seed: `bench:${run}`,
      source,
    });
    if (judgement.decision !== 'MONITOR' && judgement.decision !== 'CONTINUE') {
      return { outcome: judgement.decision, paused: test > 0, itemsBefore: pool.length, itemsAfter };
    }
    previous.push({
      decision: 'MONITOR',
      rationale: judgement.rationale,
      evidence: { sequential: evidence },
    });
  }
  return { outcome: 'MONITOR', paused: true, itemsBefore: pool.length, itemsAfter };
}

interface Row {
  scenario: string;
  judge: string;
  keep: number;
  rollback: number;
  monitor: number;
  modify: number;
  paused: number;
  itemsBefore: number;
  itemsAfter: number;
  wrong: number;
}

function summarize(scenario: Scenario, label: string, results: Result[]): Row {
  const share = (test: (result: Result) => boolean) => results.filter(test).length / results.length;
  const mean = (value: (result: Result) => number) =>
    results.reduce((sum, result) => sum + value(result), 0) / results.length;
  const wrong =
    scenario.truth === 'helps'
      ? share((r) => r.outcome === 'ROLLBACK' && r.outcome !== undefined)
      : share((r) => r.outcome === 'KEEP');
  return {
    scenario: scenario.name,
    judge: label,
    keep: share((r) => r.outcome === 'KEEP'),
    rollback: share((r) => r.outcome === 'ROLLBACK'),
    monitor: share((r) => r.outcome === 'MONITOR'),
    modify: share((r) => r.outcome === 'MODIFY'),
    paused: share((r) => r.paused),
    itemsBefore: mean((r) => r.itemsBefore),
    itemsAfter: mean((r) => r.itemsAfter),
    wrong,
  };
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

export async function runBench(runs = RUNS): Promise<Row[]> {
  const rows: Row[] = [];
  for (const scenario of SCENARIOS) {
    const sizes = scenario.kind === 'items' ? [20, 40] : [COUNT_ROUND];
    for (const size of sizes) {
      const results: Result[] = [];
      for (let run = 0; run < runs; run += 1)
        results.push(baseline(new World(scenario, `${scenario.name}:old${size}:${run}`), size));
      rows.push(summarize(scenario, scenario.kind === 'items' ? `before, ${size} items` : 'before', results));
    }
    const results: Result[] = [];
    for (let run = 0; run < runs; run += 1)
      results.push(await sequential(new World(scenario, `${scenario.name}:new:${run}`), run));
    rows.push(summarize(scenario, 'sequential', results));
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/judge/run.ts')) {
  const started = Date.now();
  const rows = await runBench();
  console.log(
    `${RUNS} seeded tests per row; a MONITOR is retested up to ${MAX_MONITOR} times, then the loop rolls the fix back (counted as MONITOR below).`,
  );
  console.log(
    `Counts: ${COUNT_BEFORE} searches before the fix, ${COUNT_ROUND} per test or round after it. Items before/after: refreshed before the fix (the pretest) / after it, retests included.\n`,
  );
  console.log(
    '| scenario | judge | KEEP | ROLLBACK | MONITOR | MODIFY | paused | items before | items after |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(
      `| ${row.scenario} | ${row.judge} | ${pct(row.keep)} | ${pct(row.rollback)} | ${pct(row.monitor)} | ${pct(row.modify)} | ${pct(row.paused)} | ${row.itemsBefore.toFixed(0)} | ${row.itemsAfter.toFixed(1)} |`,
    );
  }
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
