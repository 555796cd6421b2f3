import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlexServer } from './fake-plex-server.test-helpers.js';
import { PlexClient } from './plex-client.js';
import { refreshAndWait } from './refresh-tracker.js';

let server: FakePlexServer;
let client: PlexClient;

beforeEach(async () => {
  server = await new FakePlexServer().start();
  server.addSection('1', 'Movies', 30);
  client = new PlexClient({ url: server.url, token: server.token, retryBaseMs: 5 });
});

afterEach(async () => {
  await server.stop();
});

describe('refreshAndWait', () => {
  it('refreshes every item with bounded concurrency and waits until each activity ends', async () => {
    server.refreshMs = 300;
    const keys = Array.from({ length: 10 }, (_, i) => String(1000 + i));
    const progress: number[] = [];
    const report = await refreshAndWait(client, keys, {
      concurrency: 3,
      pollIntervalMs: 50,
      settleMs: 5000,
      onProgress: (done) => progress.push(done),
    });
    expect(report.completed).toBe(10);
    expect(report.timedOut).toEqual([]);
    expect(server.refreshed.sort()).toEqual([...keys].sort());
    expect(server.maxConcurrentRefreshRequests).toBeLessThanOrEqual(3);
    expect(report.items.every((item) => item.how === 'activity-ended' || item.how === 'updated-at')).toBe(
      true,
    );
    expect(progress.at(-1)).toBe(10);
  });

  it('ignores activities for other items, such as someone browsing the library', async () => {
    server.refreshMs = 50;
    server.noiseActivities.push({ type: 'library.refresh.items', key: '/library/metadata/1020' });
    const report = await refreshAndWait(client, ['1001', '1002'], { pollIntervalMs: 50, timeoutMs: 3000 });
    expect(report.completed).toBe(2);
    expect(server.refreshed).not.toContain('1020');
  });

  it('counts a quick refresh that changed nothing as done once the item stays quiet', async () => {
    server.refreshMs = 0;
    server.bumpUpdatedAt = false;
    const report = await refreshAndWait(client, ['1003'], { pollIntervalMs: 50, settleMs: 200 });
    expect(report.items[0]).toMatchObject({ ratingKey: '1003', completed: true, how: 'settled' });
  });

  it('reports the items still refreshing when the timeout expires', async () => {
    server.refreshMs = 5000;
    const report = await refreshAndWait(client, ['1004', '1005'], { pollIntervalMs: 50, timeoutMs: 400 });
    expect(report.completed).toBe(0);
    expect(report.timedOut.sort()).toEqual(['1004', '1005']);
    expect(report.items[0]?.error).toMatch(/still refreshing after 400 ms/);
  });

  it('records an item the server does not know as failed and goes on with the others', async () => {
    server.refreshMs = 20;
    const report = await refreshAndWait(client, ['1006', '999999'], { pollIntervalMs: 50 });
    expect(report.failed).toEqual(['999999']);
    expect(report.items.find((item) => item.ratingKey === '999999')?.error).toMatch(/404/);
    expect(report.completed).toBe(1);
  });

  it('keeps refreshing through a 429 storm on the refresh endpoint', async () => {
    server.refreshMs = 20;
    server.fault('/library/metadata/', { kind: 'status', status: 429, retryAfter: '0' }, 5, 'PUT');
    const report = await refreshAndWait(client, ['1007', '1008', '1009'], {
      pollIntervalMs: 50,
      concurrency: 2,
    });
    expect(report.completed).toBe(3);
    expect(report.failed).toEqual([]);
  });

  it('follows the activity the server names in X-Plex-Activity until it ends', async () => {
    server.sendActivityHeader = true;
    server.activityContext = false;
    server.bumpUpdatedAt = false;
    server.refreshMs = 400;
    // Without the header, activities that name no item leave only "settled" as the signal.
    const report = await refreshAndWait(client, ['1010', '1011'], { pollIntervalMs: 50, settleMs: 0 });
    expect(report.completed).toBe(2);
    for (const item of report.items) {
      expect(item.how).toBe('activity-ended');
      expect(item.durationMs ?? 0).toBeGreaterThanOrEqual(350);
    }
  });

  it('stops waiting at once when the run is interrupted', async () => {
    server.refreshMs = 5000;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    await expect(
      refreshAndWait(client, ['1012'], { pollIntervalMs: 50, signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'INTERRUPTED',
    });
  });
});

describe('refreshAndWait with the notifications websocket', () => {
  it('finishes items as soon as the server says their refresh ended, long before the next poll', async () => {
    server.websocket = true;
    server.refreshMs = 100;
    const report = await refreshAndWait(client, ['1013', '1014', '1015'], {
      pollIntervalMs: 3000,
      settleMs: 60_000,
    });
    expect(report.completed).toBe(3);
    expect(report.items.every((item) => item.how === 'notification')).toBe(true);
    expect(server.websocketHandshakes).toHaveLength(1);
    expect(server.websocketHandshakes[0]?.token).toBe(server.token);
    expect(server.websocketHandshakes[0]?.url).not.toContain(server.token);
  });

  it('falls back to polling when the websocket refuses the token', async () => {
    server.websocket = true;
    server.refreshMs = 50;
    const wrong = new PlexClient({ url: server.url, token: 'not-the-token', retryBaseMs: 5 });
    const report = await refreshAndWait(wrong, ['1016'], { pollIntervalMs: 50 });
    expect(report.failed).toEqual(['1016']);
    const report2 = await refreshAndWait(client, ['1016'], { pollIntervalMs: 50, notifications: false });
    expect(report2.completed).toBe(1);
  });
});
