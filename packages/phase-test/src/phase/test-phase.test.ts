import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AggregateResult,
  type Fix,
  RatchetError,
  silentLogger,
  type TestInput,
  type TestResult,
} from '@ratchet/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlexServer } from '../../../plex/src/api/fake-plex-server.test-helpers.js';
import testPhaseFactory, { SequentialEvidenceSchema } from '../index.js';
import { ItemLog, makeContext } from '../testing/context.test-helpers.js';

const factoryCtx = (judge: Record<string, unknown> = {}) => ({
  configDir: process.cwd(),
  log: silentLogger,
  settings: { judge },
});

const fix: Fix = {
  id: 'simdb-normalize-titles',
  name: 'Normalize titles before matching',
  priority: 'HIGH',
  targets: ['title-mismatch:com.plexapp.agents.simdb'],
  actions: [],
};

/** Before the fix: items 1000-1009 fail title matching (the logs name them), 1010-1059 are fine. */
function beforeMeasurement(
  targetItems: string[] = Array.from({ length: 10 }, (_, i) => String(1000 + i)),
): AggregateResult {
  const items = Array.from({ length: 60 }, (_, i) => ({ item: String(1000 + i), ok: i >= 10 }));
  return {
    metrics: { searchOps: 60, titleMatchFailures: 10 },
    errorTypes: [
      { id: 'title-mismatch:com.plexapp.agents.simdb', count: 10, items: targetItems },
      { id: 'http-error:com.plexapp.agents.simdb:404', count: 3, items: ['1055'] },
    ],
    items,
  };
}

function testInput(before = beforeMeasurement()): TestInput {
  return {
    fix,
    applied: { fixId: fix.id, changes: [] },
    before,
    baseline: before,
    objective: { metric: 'titleMatchFailures', per: 'searchOps', direction: 'lower' },
  };
}

function refreshOf<T>(result: TestResult): T {
  return (result.evidence?.refresh ?? {}) as T;
}

let server: FakePlexServer;
let log: ItemLog;

beforeEach(async () => {
  server = await new FakePlexServer().start();
  server.addSection('1', 'Movies', 60);
  server.refreshMs = 30;
  log = new ItemLog();
});

afterEach(async () => {
  await server.stop();
});

function plexOptions(extra: Record<string, unknown> = {}) {
  return {
    refresh: {
      kind: 'plex',
      url: server.url,
      token: server.token,
      pollIntervalMs: 50,
      settleMs: 300,
      afterMs: 20,
      ...extra,
    },
  };
}

describe('the test phase with a Plex refresh', () => {
  it('refreshes the targeted items first, then a control sample, measures the window and keeps a fix that worked', async () => {
    server.onRefresh = (item) => log.write(item.ratingKey, true);
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory(plexOptions(), factoryCtx());
    const result = await phase.run(testInput(), ctx);

    expect(result.decision).toBe('KEEP');
    expect(result.rule).toBe('significant-improvement');
    const refresh = refreshOf<{ chosen: { ratingKey: string; reason: string }[]; completed: number }>(result);
    expect(refresh.chosen).toHaveLength(20);
    expect(refresh.chosen.slice(0, 10).map((item) => [item.ratingKey, item.reason])).toEqual(
      Array.from({ length: 10 }, (_, i) => [String(1000 + i), 'targeted']),
    );
    expect(refresh.chosen.slice(10).every((item) => item.reason === 'control')).toBe(true);
    expect(refresh.completed).toBe(20);
    expect(server.refreshed.sort()).toEqual(refresh.chosen.map((item) => item.ratingKey).sort());

    expect(ctx.measured).toEqual([result.window]);
    const measured = log.measure(result.window ?? {});
    expect(measured.items).toHaveLength(20);
    expect(result.rationale).toContain('10 fixed, 0 newly broken');
    expect(result.rationale).toContain('Success indicators met: 6 of 6.');

    const written = JSON.parse(readFileSync(join(ctx.runDir, 'test.json'), 'utf8'));
    expect(written.decision).toBe('KEEP');
    const report = readFileSync(join(ctx.runDir, 'test_report.md'), 'utf8');
    expect(report).toContain('**Decision: KEEP**');
    expect(report).toContain('Success indicators: 6 of 6');
    for (const file of ['test.json', 'test_report.md']) {
      expect(readFileSync(join(ctx.runDir, file), 'utf8')).not.toContain(server.token);
    }
  });

  it('rolls back a fix after which items that were fine now fail', async () => {
    // Every refreshed item fails now, the 10 control items that were fine before included.
    server.onRefresh = (item) => log.write(item.ratingKey, false);
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory(plexOptions(), factoryCtx());
    const result = await phase.run(testInput(), ctx);
    expect(result.decision).toBe('ROLLBACK');
    expect(result.rule).toBe('significant-regression');
  });

  it('maps guids and titles from the logs to ratingKeys', async () => {
    server.onRefresh = (item) => log.write(item.ratingKey, true);
    const before = beforeMeasurement([
      'com.plexapp.agents.simdb://1005?lang=en',
      'Movies item 7',
      'No Such Movie (1999)',
    ]);
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory(plexOptions({ items: 5 }), factoryCtx());
    const result = await phase.run(testInput(before), ctx);
    const refresh = refreshOf<{ chosen: { ratingKey: string; reason: string }[]; unresolved: string[] }>(
      result,
    );
    expect(refresh.chosen.slice(0, 2).map((item) => item.ratingKey)).toEqual(['1005', '1007']);
    expect(refresh.chosen).toHaveLength(5);
    expect(refresh.unresolved).toEqual(['No Such Movie (1999)']);
  });

  it('keeps refreshing through a 429 storm and a dropped connection', async () => {
    server.onRefresh = (item) => log.write(item.ratingKey, true);
    server.fault('/library/metadata/', { kind: 'status', status: 429, retryAfter: '0' }, 8, 'PUT');
    server.fault('/activities', { kind: 'drop' }, 2);
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory(plexOptions(), factoryCtx());
    const result = await phase.run(testInput(), ctx);
    expect(result.decision).toBe('KEEP');
    expect(refreshOf<{ failed: string[] }>(result).failed).toEqual([]);
  });

  it('monitors, never rolls back, when the server rejects the token', async () => {
    const ctx = makeContext(async () => {
      throw new Error('measure must not run after a failed refresh');
    });
    const phase = await testPhaseFactory(plexOptions({ token: 'wrong-token-abcdef' }), factoryCtx());
    const result = await phase.run(testInput(), ctx);
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('measurement-failed');
    expect(result.rationale).toContain('the server rejected the token');
    expect(ctx.measured).toEqual([]);
    const files = ['test.json', 'test_report.md'].map((file) => readFileSync(join(ctx.runDir, file), 'utf8'));
    for (const text of files) expect(text).not.toContain('wrong-token-abcdef');
  });

  it('monitors when the server cannot be reached', async () => {
    await server.stop();
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory(plexOptions({ retries: 1 }), factoryCtx());
    const result = await phase.run(testInput(), ctx);
    expect(result.decision).toBe('MONITOR');
    expect(result.rationale).toContain('connection refused');
    server = await new FakePlexServer().start();
  });

  it('monitors when the measurement itself fails', async () => {
    const ctx = makeContext(async () => {
      throw new RatchetError('MEASUREMENT_FAILED', 'no log files found under /nowhere');
    });
    const phase = await testPhaseFactory(plexOptions({ items: 3 }), factoryCtx());
    const result = await phase.run(testInput(), ctx);
    expect(result.decision).toBe('MONITOR');
    expect(result.rationale).toContain('no log files found under /nowhere');
  });

  it('waits no longer than its timeout for refreshes that never finish', async () => {
    server.refreshMs = 10_000;
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory(plexOptions({ items: 3, timeoutMs: 300 }), factoryCtx());
    const result = await phase.run(testInput(), ctx);
    expect(refreshOf<{ timedOut: string[] }>(result).timedOut).toHaveLength(3);
    expect(result.decision).toBe('MONITOR');
  });
});

describe('the sequential test with a pool measured before the fix', () => {
  // Before the fix the even ratingKeys fail, in the logs and when refreshed; the fix repairs those
  // divisible by 4.
  let fixed = false;
  const logsBefore = (): AggregateResult => ({
    ...beforeMeasurement(),
    items: Array.from({ length: 60 }, (_, i) => ({ item: String(1000 + i), ok: i % 2 === 1 })),
  });
  beforeEach(() => {
    fixed = false;
    server.onRefresh = (item) => {
      const key = Number(item.ratingKey);
      log.write(item.ratingKey, key % 2 === 1 || (fixed && key % 4 === 0));
    };
  });

  async function pretest(judgeSettings: Record<string, unknown>) {
    const phase = await testPhaseFactory(plexOptions({ items: 10 }), factoryCtx(judgeSettings));
    const before = await phase.measureBefore!(
      { fix, before: logsBefore(), baseline: logsBefore(), objective: testInput().objective },
      makeContext(async (window) => log.measure(window)),
    );
    return { phase, before };
  }

  it('refreshes one round before the fix and pairs the rest with their logged outcome, never one chosen by it', async () => {
    const { before } = await pretest({ maxItems: 40 });
    const pool = before.testItems as string[];
    const reserve = before.reserveItems as string[];
    expect(pool).toHaveLength(10);
    expect(reserve).toHaveLength(30);
    expect(new Set(server.refreshed)).toEqual(new Set(pool));
    expect(reserve.filter((key) => pool.includes(key))).toEqual([]);
    // The reserve is drawn without looking at outcomes: failing and fine items alike.
    const failingShare = reserve.filter((key) => Number(key) % 2 === 0).length / reserve.length;
    expect(failingShare).toBeGreaterThan(0.25);
    expect(failingShare).toBeLessThan(0.75);
    for (const key of reserve) {
      expect(before.items?.find((outcome) => outcome.item === key)?.ok).toBe(Number(key) % 2 === 1);
    }
  });

  it('refreshes in rounds, answers MONITOR when the budget is spent, and a retest with a raised budget pools with it', async () => {
    const { phase, before } = await pretest({ maxItems: 40, maxRounds: 2 });
    fixed = true;
    server.refreshed.length = 0;
    const first = await phase.run(
      testInput(before),
      makeContext(async (window) => log.measure(window)),
    );
    expect(first.decision).toBe('MONITOR');
    expect(first.rule).toBe('budget-spent');
    expect(first.evidence?.sequential).toMatchObject({
      thisTest: { rounds: 2, items: 20, requests: 20 },
      tests: 1,
    });
    const firstItems = [...server.refreshed];
    expect(firstItems).toHaveLength(20);

    // Resumed with the same budget: nothing more can be learned, no refresh is sent.
    server.refreshed.length = 0;
    const again = await phase.run(
      { ...testInput(before), previous: [first] },
      makeContext(async (window) => log.measure(window)),
    );
    expect(again.decision).toBe('MONITOR');
    expect(server.refreshed).toEqual([]);

    const raised = await testPhaseFactory(
      plexOptions({ items: 10 }),
      factoryCtx({ maxItems: 40, maxRounds: 4 }),
    );
    const retestCtx = makeContext(async (window) => log.measure(window));
    const retest = await raised.run({ ...testInput(before), previous: [first, again] }, retestCtx);
    expect(server.refreshed.filter((key) => firstItems.includes(key))).toEqual([]);
    expect(retest.evidence?.sequential).toMatchObject({
      tests: 3,
      // It stops as soon as the evidence decides: after the third round in all.
      total: { items: 30, rounds: 3 },
      tally: { paired: { broken: [] } },
    });
    const pairs = SequentialEvidenceSchema.parse(retest.evidence?.sequential).tally?.itemsSeen;
    const candidates = new Set([...(before.testItems as string[]), ...(before.reserveItems as string[])]);
    expect(pairs).toHaveLength(30);
    expect(pairs?.every((key) => candidates.has(key))).toBe(true);
    expect(retest.decision).toBe('KEEP');
    expect(retest.rationale).toContain('pooled with 2 earlier tests');
    const report = readFileSync(join(retestCtx.runDir, 'test_report.md'), 'utf8');
    expect(report).toContain('| all 3 tests of this fix | 3 | 30 | 30 |');
  });
});

describe('the test phase with other refresh kinds', () => {
  it('runs a command without a shell, once per round while undecided, and measures each window', async () => {
    const script = `require('node:fs').appendFileSync(${JSON.stringify(log.path)}, new Date().toISOString() + '\\t1\\tok\\n')`;
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory(
      { refresh: { kind: 'command', command: [process.execPath, '-e', script] } },
      factoryCtx({ minSamples: 1, maxRounds: 2 }),
    );
    const result = await phase.run(testInput(), ctx);
    expect(ctx.measured).toHaveLength(2);
    expect(result.decision).toBe('MONITOR');
    expect(result.rule).toBe('budget-spent');
    expect(result.evidence?.sequential).toMatchObject({ thisTest: { rounds: 2 }, tests: 1 });
    expect(result.after?.metrics.searchOps).toBe(2);
    expect(refreshOf<{ kind: string }>(result).kind).toBe('command');
  });

  it('reports a failing command with the tail of its output as a failed measurement', async () => {
    const ctx = makeContext(async (window) => log.measure(window));
    const script = "console.error('cannot reach the agent'); process.exit(3)";
    const phase = await testPhaseFactory(
      { refresh: { kind: 'command', command: [process.execPath, '-e', script] } },
      factoryCtx(),
    );
    const result = await phase.run(testInput(), ctx);
    expect(result.decision).toBe('MONITOR');
    expect(result.rationale).toContain('exited with code 3');
    expect(result.rationale).toContain('cannot reach the agent');
  });

  it('waits for traffic for the given time and measures exactly that window', async () => {
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory({ refresh: { kind: 'wait', durationMs: 120 } }, factoryCtx());
    const result = await phase.run(testInput(), ctx);
    const { start, end } = result.window ?? {};
    expect(Date.parse(end ?? '') - Date.parse(start ?? '')).toBeGreaterThanOrEqual(115);
    expect(result.rule).toBe('no-data');
  });
});

describe('the test phase options', () => {
  it('names the bad key when the options are wrong', () => {
    expect(() => testPhaseFactory({}, factoryCtx())).toThrow(/test: refresh: /);
    expect(() => testPhaseFactory({ refresh: { kind: 'plex' } }, factoryCtx())).toThrow(/test: refresh\.url/);
    expect(() => testPhaseFactory({ refresh: { kind: 'wait', durationMs: -1 } }, factoryCtx())).toThrow(
      /refresh\.durationMs/,
    );
    try {
      testPhaseFactory({ refresh: { kind: 'sms' } }, factoryCtx());
    } catch (error) {
      expect((error as RatchetError).code).toBe('PHASE_OPTIONS_INVALID');
    }
  });

  it('takes judge defaults from the config and lets its own options win', async () => {
    server.onRefresh = (item) => log.write(item.ratingKey, true);
    const ctx = makeContext(async (window) => log.measure(window));
    const phase = await testPhaseFactory(
      plexOptions({ items: 8 }),
      factoryCtx({ minSamples: 8, alpha: 0.01 }),
    );
    const result = await phase.run(testInput(), ctx);
    const thresholds = (result.evidence as { thresholds: { minSamples: number; alpha: number } }).thresholds;
    expect(thresholds).toMatchObject({ minSamples: 8, alpha: 0.01 });
    const own = await testPhaseFactory(
      { ...plexOptions(), judge: { minSamples: 3 } },
      factoryCtx({ minSamples: 8 }),
    );
    const second = await own.run(
      testInput(),
      makeContext(async (window) => log.measure(window)),
    );
    expect((second.evidence as { thresholds: { minSamples: number } }).thresholds.minSamples).toBe(3);
  });
});
