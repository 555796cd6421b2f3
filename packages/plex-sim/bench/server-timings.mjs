// Start-up and refresh timings of the simulator at its defaults (300 items, timeScale 0.02).
// usage: node packages/plex-sim/bench/server-timings.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '../dist/index.js';

const dir = mkdtempSync(join(tmpdir(), 'plex-sim-timings-'));
try {
  let started = performance.now();
  const sim = await createSimulator({ dataDir: join(dir, 'data') });
  const freshStartMs = performance.now() - started;
  await sim.close();
  started = performance.now();
  const again = await createSimulator({ dataDir: join(dir, 'data') });
  const reuseStartMs = performance.now() - started;
  const headers = { 'X-Plex-Token': again.token, Accept: 'application/json' };
  const keys = Array.from({ length: 20 }, (_, index) => String(1001 + index * 13));
  started = performance.now();
  await Promise.all(
    keys.map((key) => fetch(`${again.url}/library/metadata/${key}/refresh`, { method: 'PUT', headers })),
  );
  for (;;) {
    const body = await (await fetch(`${again.url}/activities`, { headers })).json();
    if (body.MediaContainer.size === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const refreshMs = performance.now() - started;
  started = performance.now();
  for (let index = 0; index < 200; index += 1) {
    await (
      await fetch(`${again.url}/library/sections/1/all?X-Plex-Container-Start=0&X-Plex-Container-Size=100`, {
        headers,
      })
    ).arrayBuffer();
  }
  const pageMs = (performance.now() - started) / 200;
  await again.close();
  console.log(`fresh data folder + start: ${freshStartMs.toFixed(0)} ms`);
  console.log(`start on an existing folder: ${reuseStartMs.toFixed(0)} ms`);
  console.log(`20 refreshes, PUT to idle /activities: ${refreshMs.toFixed(0)} ms`);
  console.log(`GET /library/sections/1/all page of 100 (JSON): ${pageMs.toFixed(1)} ms`);
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
