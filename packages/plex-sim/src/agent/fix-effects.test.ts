import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDataDir } from '../data-dir/init-data-dir.js';
import type { SimLibrary } from '../library/library.js';
import { parsePluginLog } from '../plugin-log/log-grammar.test-helpers.js';
import { RotatingLogFile } from '../plugin-log/rotating-log-file.js';
import { type AgentPrefs, CURRENT_API_BASE_URL, SHIPPED_PREFS } from '../prefs/agent-prefs.js';
import { virtualClock } from './clock.js';
import { type RefreshOutcome, SimDbAgent } from './simdb-agent.js';

// The loop must see each real fix as a clear improvement and the tempting one as a regression.
// These tests run the real agent over a whole library (virtual clock, no waiting) per preference set.

let folder: string;
let dataDir: string;
let library: SimLibrary;
let runs = 0;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'plex-sim-effects-'));
  dataDir = join(folder, 'data');
  library = (await initDataDir(dataDir, { seed: 11, items: 300 })).library;
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Run {
  outcomes: Map<string, RefreshOutcome>;
  errorRecords: number;
  searches: number;
  rateLimitTracebacks: number;
  /** The demo's objective: (errorRecords + titleMatchFailures) per searchOps. */
  objective: number;
}

async function refreshAll(prefs: AgentPrefs): Promise<Run> {
  runs += 1;
  const file = join(folder, `run-${runs}.log`);
  const log = new RotatingLogFile(file, 1 << 30);
  const agent = new SimDbAgent({ dataDir, seed: library.seed, prefs, log, clock: virtualClock(new Date()) });
  const outcomes = new Map<string, RefreshOutcome>();
  for (const movie of library.movies) outcomes.set(movie.ratingKey, await agent.refresh(movie, runs));
  log.close();
  const records = parsePluginLog(readFileSync(file, 'utf8'));
  const errorRecords = records.filter(
    (record) => record.level === 'ERROR' || record.level === 'CRITICAL',
  ).length;
  const searches = records.filter((record) => record.message.startsWith('Searching for matches for')).length;
  const titleFailures = records.filter((record) =>
    /\bscore\b.*\bbelow\b.*\bthreshold\b/.test(record.message),
  ).length;
  return {
    outcomes,
    errorRecords,
    searches,
    rateLimitTracebacks: records.filter(
      (record) => record.continuation.at(-1) === 'HTTPError: HTTP Error 429: Too Many Requests',
    ).length,
    objective: (errorRecords + titleFailures) / searches,
  };
}

const okShare = (outcomes: Map<string, RefreshOutcome>) =>
  [...outcomes.values()].filter((outcome) => outcome.ok).length / outcomes.size;
const keysFailingWith = (outcomes: Map<string, RefreshOutcome>, failure: string) =>
  [...outcomes.values()].filter((outcome) => outcome.failure === failure).map((outcome) => outcome.ratingKey);

describe('the effect of each preference on the simulated agent', () => {
  it('gives the same outcome for the same item and prefs on every refresh', async () => {
    const first = await refreshAll(SHIPPED_PREFS);
    const second = await refreshAll(SHIPPED_PREFS);
    expect([...second.outcomes.values()].map((o) => [o.ok, o.failure, o.matchedId])).toEqual(
      [...first.outcomes.values()].map((o) => [o.ok, o.failure, o.matchedId]),
    );
  });

  it('turns most title-match failures into successes with normalize_titles, and breaks none', async () => {
    const before = await refreshAll(SHIPPED_PREFS);
    const after = await refreshAll({ ...SHIPPED_PREFS, normalizeTitles: true });
    const targeted = keysFailingWith(before.outcomes, 'title-mismatch');
    expect(targeted.length).toBeGreaterThan(60);
    const fixed = targeted.filter((key) => after.outcomes.get(key)?.ok).length;
    const broken = [...before.outcomes.keys()].filter(
      (key) => before.outcomes.get(key)?.ok && !after.outcomes.get(key)?.ok,
    );
    expect(fixed / targeted.length).toBeGreaterThan(0.4);
    expect(broken).toEqual([]);
    expect(okShare(after.outcomes) - okShare(before.outcomes)).toBeGreaterThan(0.12);
    expect(after.objective).toBeLessThan(before.objective * 0.85);
  });

  it('removes the 404s of the moved v2 API with the v3 base URL', async () => {
    const before = await refreshAll(SHIPPED_PREFS);
    const after = await refreshAll({ ...SHIPPED_PREFS, apiBaseUrl: CURRENT_API_BASE_URL });
    const targeted = keysFailingWith(before.outcomes, 'not-found');
    expect(targeted.length).toBeGreaterThan(10);
    expect(keysFailingWith(after.outcomes, 'not-found')).toEqual([]);
    expect(targeted.filter((key) => after.outcomes.get(key)?.ok).length / targeted.length).toBeGreaterThan(
      0.6,
    );
    expect(after.objective).toBeLessThan(before.objective * 0.9);
  });

  it('removes most 429 failures with max_retries 3, and with request_interval_ms 1000', async () => {
    const before = await refreshAll(SHIPPED_PREFS);
    const limited = keysFailingWith(before.outcomes, 'rate-limited');
    expect(limited.length).toBeGreaterThan(15);
    for (const prefs of [
      { ...SHIPPED_PREFS, maxRetries: 3 },
      { ...SHIPPED_PREFS, requestIntervalMs: 1000 },
    ]) {
      const after = await refreshAll(prefs);
      expect(keysFailingWith(after.outcomes, 'rate-limited').length).toBeLessThanOrEqual(
        limited.length * 0.2,
      );
      expect(after.rateLimitTracebacks).toBeLessThanOrEqual(before.rateLimitTracebacks * 0.2);
      expect(after.objective).toBeLessThan(before.objective);
    }
  });

  it('makes things worse overall with the tempting match_threshold 60: wrong matches, more errors', async () => {
    for (const base of [
      SHIPPED_PREFS,
      { ...SHIPPED_PREFS, normalizeTitles: true, maxRetries: 3, apiBaseUrl: CURRENT_API_BASE_URL },
    ]) {
      const before = await refreshAll(base);
      const after = await refreshAll({ ...base, matchThreshold: 60 });
      expect(keysFailingWith(after.outcomes, 'wrong-match').length).toBeGreaterThan(90);
      expect(okShare(after.outcomes)).toBeLessThan(okShare(before.outcomes));
      expect(after.errorRecords / after.searches).toBeGreaterThan(
        (before.errorRecords / before.searches) * 1.3,
      );
      expect(after.objective).toBeGreaterThan(before.objective);
    }
  });
});
