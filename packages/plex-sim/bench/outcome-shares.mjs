// Outcome shares of the simulated agent over the whole library, for each preference set the
// loop may try. Runs the real agent code (virtual clock, no waiting) against a fresh data folder.
// usage: node packages/plex-sim/bench/outcome-shares.mjs [--seed N] [--items N]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { virtualClock } from '../dist/agent/clock.js';
import { SimDbAgent } from '../dist/agent/simdb-agent.js';
import { initDataDir, loadLibrary, RotatingLogFile, SHIPPED_PREFS } from '../dist/index.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, items: { type: 'string', default: '300' } },
});
const seed = Number(values.seed);
const items = Number(values.items);
const base = { ...SHIPPED_PREFS };
const v3 = 'http://api.simdb.example/v3';
const configs = [
  ['shipped', base],
  ['normalize_titles=true', { ...base, normalizeTitles: true }],
  ['match_threshold=60 (tempting)', { ...base, matchThreshold: 60 }],
  ['max_retries=3', { ...base, maxRetries: 3 }],
  ['request_interval_ms=1000', { ...base, requestIntervalMs: 1000 }],
  ['api_base_url=v3', { ...base, apiBaseUrl: v3 }],
  ['normalize + retries + v3', { ...base, normalizeTitles: true, maxRetries: 3, apiBaseUrl: v3 }],
  [
    'normalize + retries + v3 + threshold 60',
    { ...base, normalizeTitles: true, maxRetries: 3, apiBaseUrl: v3, matchThreshold: 60 },
  ],
];

const dir = mkdtempSync(join(tmpdir(), 'plex-sim-bench-'));
try {
  const started = performance.now();
  const init = await initDataDir(join(dir, 'data'), { seed, items });
  const initMs = performance.now() - started;
  const library = await loadLibrary(init.layout.dataDir);
  console.log(
    `seed ${seed}, ${items} items, ${init.corruptItems.length} corrupt bundles; data folder made in ${initMs.toFixed(0)} ms`,
  );
  console.log(
    '| preferences | items ok | title mismatch | wrong match | 404 | 429 | timeout | model read | error records / search | (error records + title failures) / search |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, prefs] of configs) {
    const logFile = join(dir, `${name.replace(/\W+/g, '_')}.log`);
    const log = new RotatingLogFile(logFile, 1 << 30);
    const agent = new SimDbAgent({
      dataDir: join(dir, 'data'),
      seed,
      prefs,
      log,
      clock: virtualClock(new Date()),
    });
    const counts = {};
    let ok = 0;
    for (const movie of library.movies) {
      const outcome = await agent.refresh(movie, 1);
      if (outcome.ok) ok += 1;
      else counts[outcome.failure] = (counts[outcome.failure] ?? 0) + 1;
    }
    log.close();
    const text = readFileSync(logFile, 'utf8');
    const errorRecords = (text.match(/^\S+ \S+ \([-0-9a-f]+\) :\s+(ERROR|CRITICAL) /gm) ?? []).length;
    const searches = (text.match(/ - Searching for matches for /g) ?? []).length;
    const titleFailures = (text.match(/ - SimDB - No acceptable match for /g) ?? []).length;
    const pct = (n) => `${((100 * (n ?? 0)) / library.movies.length).toFixed(1)}%`;
    console.log(
      `| ${name} | ${pct(ok)} | ${pct(counts['title-mismatch'])} | ${pct(counts['wrong-match'])} | ${pct(counts['not-found'])} | ${pct(counts['rate-limited'])} | ${pct(counts.timeout)} | ${pct(counts['model-read'])} | ${(errorRecords / searches).toFixed(3)} | ${((errorRecords + titleFailures) / searches).toFixed(3)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
