#!/usr/bin/env node
// load.mjs [--requests 300] [--seed 42] [--config ...] [--log ...]
// Starts the service (bin/serve.mjs, a separate process, so it reads the current config), sends it
// a fixed, skewed mix of item requests over HTTP, one at a time, then stops it. The test phase of
// the loop runs this as its `refresh` command; run it once by hand before the first `ratchet run`
// so that the baseline has a log to read.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const here = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    seed: { type: 'string', default: '42' },
    config: { type: 'string', default: resolve(here, 'config/service.json') },
    log: { type: 'string', default: resolve(here, 'logs/service.log') },
  },
});

// mulberry32: a tiny seeded generator, so every run sends the same requests.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const service = spawn(
  process.execPath,
  [resolve(here, 'bin/serve.mjs'), '--config', values.config, '--log', values.log],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const [exitCode] = await Promise.race([
  once(service, 'exit'),
  (async () => {
    for await (const line of createInterface({ input: service.stdout })) {
      const url = /^listening on (\S+)/.exec(line)?.[1];
      if (url) return [await drive(url)];
    }
    return [1];
  })(),
]);
service.kill('SIGTERM');
if (exitCode !== 0) {
  process.stderr.write('load: the service did not start (see above)\n');
  process.exit(1);
}

async function drive(url) {
  const next = random(Number(values.seed));
  const counts = {};
  const total = Number(values.requests);
  for (let i = 0; i < total; i += 1) {
    // Popular items come up far more often than rare ones (80 items, skewed), plus a few bad ids.
    const id = next() < 0.03 ? 'latest' : String(1 + Math.floor(80 * next() ** 2));
    const response = await fetch(`${url}/items/${id}`);
    await response.arrayBuffer();
    counts[response.status] = (counts[response.status] ?? 0) + 1;
  }
  process.stderr.write(`load: ${total} requests, by status ${JSON.stringify(counts)}\n`);
  return 0;
}
