import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AggregatePhase,
  type AggregateResult,
  silentLogger,
  type TestInput,
  type TimeWindow,
} from '@ratchet/core';
import createAggregatePhase from '@ratchet/phase-aggregate';
import { PlexClient } from '@ratchet/plex';
import {
  agentPrefsFile,
  createSimulator,
  readPrefs,
  type SimulatorHandle,
  serializePrefs,
} from '@ratchet/plex-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import testPhaseFactory from '../src/index.js';
import { makeContext } from '../src/testing/context.test-helpers.js';

// The whole chain on the real simulator: its HTTP API, its agent writing real-format plug-in
// logs, the real aggregate phase measuring the window, and the test phase judging.
let folder: string;
let sim: SimulatorHandle;
let aggregate: AggregatePhase;

const objective = { metric: 'titleMatchFailures', per: 'searchOps', direction: 'lower' } as const;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'ratchet-phase-test-e2e-'));
  sim = await createSimulator({
    dataDir: join(folder, 'server'),
    seed: 11,
    items: 120,
    timeScale: 0.02,
    restartMs: 100,
  });
  const factoryCtx = { configDir: folder, log: silentLogger, settings: {} };
  aggregate = (await createAggregatePhase(
    { preset: 'plex', logs: join(sim.dataDir, 'Logs', 'PMS Plugin Logs') },
    factoryCtx,
  )) as AggregatePhase;
});

afterAll(async () => {
  await sim?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function measure(window: TimeWindow): Promise<AggregateResult> {
  const ctx = makeContext(async () => {
    throw new Error('not used');
  });
  return aggregate.run({ window, purpose: 'test' }, ctx);
}

async function restartAgent(): Promise<void> {
  const client = new PlexClient({ url: sim.url, token: sim.token, retryBaseMs: 20 });
  await client.request('/:/sim/agent/restart', { method: 'POST' });
  // /identity answers 503 while the agent restarts; the client's retries wait it out.
  await client.identity();
}

describe('the test phase against the Plex simulator', () => {
  it('keeps normalize_titles: the targeted title-match failures are gone after the refresh', async () => {
    const before = await measure({});
    const mismatch = before.errorTypes.find((type) => type.category === 'title-mismatch');
    expect(mismatch?.items?.length ?? 0).toBeGreaterThan(5);

    // What the implement phase's set-pref action does: rewrite the agent's preferences file.
    const prefs = { ...(await readPrefs(sim.dataDir)), normalizeTitles: true };
    writeFileSync(agentPrefsFile(sim.dataDir), serializePrefs(prefs));
    await restartAgent();

    const input: TestInput = {
      fix: { id: 'simdb-normalize-titles', priority: 'HIGH', targets: [mismatch?.id ?? ''], actions: [] },
      applied: { fixId: 'simdb-normalize-titles', changes: [] },
      before,
      baseline: before,
      objective,
    };
    const ctx = makeContext(measure);
    const phase = await testPhaseFactory(
      {
        refresh: {
          kind: 'plex',
          url: sim.url,
          token: sim.token,
          items: 24,
          pollIntervalMs: 100,
          settleMs: 500,
          afterMs: 200,
        },
      },
      { configDir: folder, log: silentLogger, settings: {} },
    );
    const result = await phase.run(input, ctx);

    const refresh = (result.evidence?.refresh ?? {}) as { completed: number; chosen: { reason: string }[] };
    expect(refresh.completed).toBe(24);
    expect(refresh.chosen.filter((item) => item.reason === 'targeted').length).toBeGreaterThan(5);
    expect(result.after?.metrics.searchOps).toBeGreaterThanOrEqual(24);
    expect(result.after?.metrics.titleMatchFailures ?? 99).toBeLessThan(
      before.metrics.titleMatchFailures ?? 0,
    );
    expect(result.decision).toBe('KEEP');
    expect(result.rationale).toMatch(/Success indicators met: \d of 6/);
    if (process.env.RATCHET_SHOW_RATIONALE) console.log(result.rationale);
  });

  it('rolls back a lower match threshold: fewer title failures, but the wrong matches fail their updates', async () => {
    const other = await createSimulator({
      dataDir: join(folder, 'server-2'),
      seed: 5,
      items: 120,
      timeScale: 0.02,
      restartMs: 100,
    });
    try {
      const otherAggregate = (await createAggregatePhase(
        { preset: 'plex', logs: join(other.dataDir, 'Logs', 'PMS Plugin Logs') },
        { configDir: folder, log: silentLogger, settings: {} },
      )) as AggregatePhase;
      const measureOther = (window: TimeWindow) =>
        otherAggregate.run({ window, purpose: 'test' }, makeContext(measure));
      const before = await measureOther({});
      const mismatch = before.errorTypes.find((type) => type.category === 'title-mismatch');
      const prefs = { ...(await readPrefs(other.dataDir)), matchThreshold: 60 };
      writeFileSync(agentPrefsFile(other.dataDir), serializePrefs(prefs));
      const client = new PlexClient({ url: other.url, token: other.token, retryBaseMs: 20 });
      await client.request('/:/sim/agent/restart', { method: 'POST' });
      await client.identity();

      const phase = await testPhaseFactory(
        {
          refresh: {
            kind: 'plex',
            url: other.url,
            token: other.token,
            items: 24,
            pollIntervalMs: 100,
            settleMs: 500,
            afterMs: 200,
          },
          judge: { criticalMetrics: ['exceptions', 'urlErrors'] },
        },
        { configDir: folder, log: silentLogger, settings: {} },
      );
      const result = await phase.run(
        {
          fix: {
            id: 'simdb-lower-threshold',
            priority: 'MEDIUM',
            targets: [mismatch?.id ?? ''],
            actions: [],
          },
          applied: { fixId: 'simdb-lower-threshold', changes: [] },
          before,
          baseline: before,
          objective,
        },
        makeContext(measureOther),
      );
      if (process.env.RATCHET_SHOW_RATIONALE) console.log(result.rationale);
      expect(result.decision).toBe('ROLLBACK');
    } finally {
      await other.close();
    }
  });
});
