// Times the exact tests and the judge on inputs of growing size. Run after a build:
//   node node_modules/typescript/bin/tsc -b packages/phase-test && node packages/phase-test/bench/judge-bench.mjs
import { performance } from 'node:perf_hooks';
import { exactMcNemarTest, fisherExactTest, poissonRateInterval, poissonRatesTest } from '@ratchet/core';
import { DEFAULT_JUDGE_SETTINGS, judge, tallyRound } from '@ratchet/phase-test';

function time(label, run, repeat = 5) {
  run();
  const started = performance.now();
  for (let i = 0; i < repeat; i += 1) run();
  const ms = (performance.now() - started) / repeat;
  console.log(`${label.padEnd(58)} ${ms.toFixed(3).padStart(10)} ms`);
}

time('Fisher 8/20 vs 3/20', () => fisherExactTest({ aEvents: 8, aTotal: 20, bEvents: 3, bTotal: 20 }), 1000);
time('Fisher 3000/50000 vs 2800/50000', () =>
  fisherExactTest({ aEvents: 3000, aTotal: 50_000, bEvents: 2800, bTotal: 50_000 }),
);
time('McNemar 8 fixed vs 1 broken', () => exactMcNemarTest(8, 1), 1000);
time('McNemar 5000 fixed vs 4800 broken', () => exactMcNemarTest(5000, 4800));
time('Poisson 30/1000 vs 10/1000', () => poissonRatesTest(30, 1000, 10, 1000), 1000);
time('Poisson 600000/1e7 vs 590000/1e7 (1.19M events)', () => poissonRatesTest(600_000, 1e7, 590_000, 1e7));
time('Garwood interval for 1e6 events', () => poissonRateInterval(1_000_000, 1e7), 100);

for (const size of [20, 1000, 100_000]) {
  const items = (failing) => Array.from({ length: size }, (_, i) => ({ item: String(i), ok: i >= failing }));
  const before = {
    metrics: { titleMatchFailures: Math.round(size * 0.3), searchOps: size },
    errorTypes: [],
    items: items(Math.round(size * 0.3)),
  };
  const after = {
    metrics: { titleMatchFailures: Math.round(size * 0.1), searchOps: size },
    errorTypes: [],
    items: items(Math.round(size * 0.1)),
  };
  const objective = { metric: 'titleMatchFailures', per: 'searchOps', direction: 'lower' };
  time(`judge, paired, ${size} items`, () =>
    judge({
      objective,
      before,
      tally: tallyRound(objective, before, after, []),
      settings: DEFAULT_JUDGE_SETTINGS,
      look: 1,
      canContinue: false,
    }),
  );
}
