import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRatchetError } from '@ratchet/core';
import { PlexClient } from '@ratchet/plex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind, FaultPlanInput } from './fault-plan.js';
import { createSimulator, type SimulatorHandle } from './simulator.js';
import { headers, waitHealthy } from './simulator.test-helpers.js';

let folder: string;
let sim: SimulatorHandle;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'plex-sim-fault-plan-'));
  sim = await createSimulator({
    dataDir: join(folder, 'server'),
    seed: 5,
    items: 60,
    timeScale: 0,
    restartMs: 50,
  });
});

afterAll(async () => {
  await sim?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function setPlan(plan: FaultPlanInput): Promise<Response> {
  return fetch(`${sim.url}/:/sim/faults`, {
    method: 'PUT',
    headers: headers(sim),
    body: JSON.stringify(plan),
  });
}

async function window(name: string, action: 'open' | 'close'): Promise<Response> {
  return fetch(`${sim.url}/:/sim/faults/windows/${name}/${action}`, {
    method: 'POST',
    headers: headers(sim),
  });
}

async function planStatus(): Promise<{ requests: Record<string, number>; faulted: number[] }> {
  const response = await fetch(`${sim.url}/:/sim/status`, { headers: headers(sim) });
  return ((await response.json()) as { faults: { requests: Record<string, number>; faulted: number[] } })
    .faults;
}

const sections = () => fetch(`${sim.url}/library/sections`, { headers: headers(sim) });
const refresh = (key: string) =>
  fetch(`${sim.url}/library/metadata/${key}/refresh`, { method: 'PUT', headers: headers(sim) });
const restart = () => fetch(`${sim.url}/:/sim/agent/restart`, { method: 'POST', headers: headers(sim) });

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('a fault plan', () => {
  it('faults exactly the Nth request to a route, counted per route from when the plan was set', async () => {
    expect((await setPlan({ rules: [{ route: 'sections', nth: 2, fault: '503' }] })).status).toBe(200);
    await fetch(`${sim.url}/library`, { headers: headers(sim) }); // another route: not counted
    expect((await sections()).status).toBe(200);
    expect((await sections()).status).toBe(503);
    expect((await sections()).status).toBe(200);
    const status = await planStatus();
    expect(status.requests).toMatchObject({ sections: 3, library: 1 });
    expect(status.faulted).toEqual([1]);
  });

  it('opens a window on the first agent restart and closes it on the second: refreshes in between fail', async () => {
    await setPlan({
      windows: {
        'after-fix': {
          opensAt: { route: 'agent-restart', request: 1 },
          closesAt: { route: 'agent-restart', request: 2 },
        },
      },
      rules: [{ route: 'refresh', window: 'after-fix', fault: '429', retryAfterSeconds: 3 }],
    });
    expect((await refresh('1001')).status).toBe(200);
    expect((await restart()).status).toBe(202);
    await waitHealthy(sim);
    const limited = await refresh('1001');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await refresh('1002')).status).toBe(429);
    expect((await restart()).status).toBe(202);
    await waitHealthy(sim);
    expect((await refresh('1001')).status).toBe(200);
  });

  it('gives a client each of the six faults while a window opened by a control call is open', async () => {
    const client = new PlexClient({
      url: sim.url,
      token: sim.token,
      retries: 1,
      retryBaseMs: 1,
      timeoutMs: 400,
    });
    const expected: [FaultKind, RegExp][] = [
      ['503', /503/],
      ['429', /429/],
      ['drop', /connection was dropped/],
      ['stall', /no answer within 400 ms/],
      ['malformed-json', /did not answer JSON/],
      ['401', /rejected the token \(401/],
    ];
    for (const [fault, message] of expected) {
      await setPlan({
        windows: { storm: {} },
        rules: [{ route: '*', window: 'storm', fault, retryAfterSeconds: 0 }],
      });
      expect((await client.sections()).length, `${fault} before the window opens`).toBe(1);
      expect((await window('storm', 'open')).status).toBe(200);
      const error = await failureOf(client.sections());
      expect(isRatchetError(error), fault).toBe(true);
      expect(error.message, fault).toMatch(message);
      expect(error.message).not.toContain(sim.token);
      // /identity is not an API route for `*`: the liveness probe still answers.
      expect((await fetch(`${sim.url}/identity`)).status).toBe(200);
      expect((await window('storm', 'close')).status).toBe(200);
      expect((await client.sections()).length, `${fault} after the window closed`).toBe(1);
    }
  });

  it('holds a stalled request until its window closes, then drops it', async () => {
    await setPlan({ windows: { hang: {} }, rules: [{ route: 'sections', window: 'hang', fault: 'stall' }] });
    await window('hang', 'open');
    let settled = false;
    const stalled = sections().then(
      () => 'answered',
      () => 'dropped',
    );
    void stalled.then(() => {
      settled = true;
    });
    // The server has the request (it counted it) before the window closes: no race with the close.
    while ((await planStatus()).requests.sections !== 1)
      await new Promise((resolve) => setImmediate(resolve));
    // Another route answers meanwhile: the stall holds one request, not the server.
    expect((await fetch(`${sim.url}/library`, { headers: headers(sim) })).status).toBe(200);
    expect(settled).toBe(false);
    await window('hang', 'close');
    expect(await stalled).toBe('dropped');
  });

  it('refuses a plan that names an undeclared window or a bad route, naming the key', async () => {
    const undeclared = await setPlan({ rules: [{ route: 'refresh', window: 'nope', fault: '503' }] });
    expect(undeclared.status).toBe(400);
    expect(await undeclared.text()).toMatch(/rules\.0\.window.*no window "nope"/);
    const badRoute = await setPlan({ rules: [{ route: 'teapot', fault: '503' } as never] });
    expect(badRoute.status).toBe(400);
    expect(await badRoute.text()).toContain('rules.0.route');
    expect((await window('nope', 'open')).status).toBe(404);
    await expect(
      createSimulator({
        dataDir: join(folder, 'other'),
        faults: { rules: [{ route: 'refresh', fault: 'stall', nth: 1, from: 2 }] },
      }),
    ).rejects.toThrow(/plex-sim: faults: rules\.0: give either nth or from\/to/);
    await setPlan({});
  });
});
