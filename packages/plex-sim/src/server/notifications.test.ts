import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSimulator, type SimulatorHandle } from './simulator.js';
import { refresh } from './simulator.test-helpers.js';

let folder: string;
let sim: SimulatorHandle;
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'plex-sim-ws-'));
  sim = await createSimulator({ dataDir: join(folder, 'data'), items: 30, timeScale: 0.05 });
});
afterAll(async () => {
  await sim?.close();
  rmSync(folder, { recursive: true, force: true });
});

function connect(query: string): Promise<{ socket: WebSocket; frames: unknown[] }> {
  const socket = new WebSocket(`${sim.url.replace('http:', 'ws:')}/:/websockets/notifications?${query}`);
  const frames: unknown[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, frames }));
    socket.once('error', reject);
  });
}

/** Waits for the frames a test expects; the test's timeout, not a deadline of its own, guards a hang. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the notifications websocket', () => {
  it('sends activity started/updated/ended and a processed timeline entry for a refresh', async () => {
    const { socket, frames } = await connect(`X-Plex-Token=${sim.token}`);
    try {
      const response = await refresh(sim, '1007');
      const uuid = response.headers.get('x-plex-activity');
      const containers = () =>
        frames.map(
          (frame) => (frame as { NotificationContainer: Record<string, unknown> }).NotificationContainer,
        );
      await until(() =>
        containers().some((c) => c['type'] === 'timeline' && JSON.stringify(c).includes('"state":5')),
      );
      const activityEvents = containers()
        .filter((c) => c['type'] === 'activity')
        .map(
          (c) =>
            (
              c['ActivityNotification'] as Array<{
                event: string;
                uuid: string;
                Activity: { type: string; Context: { key: string } };
              }>
            )[0]!,
        );
      expect(activityEvents.map((entry) => entry.event)).toEqual(['started', 'updated', 'ended']);
      for (const entry of activityEvents) {
        expect(entry.uuid).toBe(uuid);
        expect(entry.Activity).toMatchObject({
          type: 'library.refresh.items',
          Context: { key: '/library/metadata/1007' },
        });
      }
      const processed = containers()
        .filter((c) => c['type'] === 'timeline')
        .map((c) => (c['TimelineEntry'] as Array<Record<string, unknown>>)[0]!)
        .find((entry) => entry['state'] === 5);
      expect(processed).toMatchObject({
        identifier: 'com.plexapp.plugins.library',
        itemID: '1007',
        sectionID: '1',
      });
      expect(processed).not.toHaveProperty('metadataState');
    } finally {
      socket.close();
    }
  });

  it('sends only the frame types named in filters', async () => {
    const { socket, frames } = await connect(`X-Plex-Token=${sim.token}&filters=timeline`);
    try {
      await refresh(sim, '1008');
      await until(() => JSON.stringify(frames).includes('"state":5'));
      expect(
        frames.every(
          (frame) =>
            (frame as { NotificationContainer: { type: string } }).NotificationContainer.type === 'timeline',
        ),
      ).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('refuses a connection without the token with 401', async () => {
    const socket = new WebSocket(`${sim.url.replace('http:', 'ws:')}/:/websockets/notifications`);
    const status = await new Promise<number | undefined>((resolve) => {
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      socket.once('error', () => resolve(undefined));
    });
    expect(status).toBe(401);
    socket.terminate();
  });
});
