import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { handleItem, LruCache, validateConfig } from './model.mjs';

function readConfig(configFile) {
  let text;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw new Error(`${configFile}: cannot read the config: ${error.message}`);
  }
  let config;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new Error(`${configFile}: not valid JSON: ${error.message}`);
  }
  return validateConfig(config, configFile);
}

/**
 * Starts the service on 127.0.0.1. The config is read once, at start, like most services: a
 * changed config takes effect at the next start. Each request appends one line to the log:
 * `<ISO time> [<LEVEL>] web-svc: <message>`.
 */
export async function startService({ configFile, logFile, port = 0 }) {
  const config = readConfig(configFile);
  const cache = new LruCache(Math.min(config.cache.entries, 100_000));
  mkdirSync(dirname(logFile), { recursive: true });
  const log = (level, message) =>
    appendFileSync(logFile, `${new Date().toISOString()} [${level}] web-svc: ${message}\n`);
  log(
    'INFO',
    `started with cache.entries=${config.cache.entries} upstream.timeoutMs=${config.upstream.timeoutMs}`,
  );

  const server = createServer((request, response) => {
    const match = /^\/items\/([^/?]+)$/.exec(request.url ?? '');
    if (request.method !== 'GET' || !match) {
      response.writeHead(404).end();
      return;
    }
    const outcome = handleItem(decodeURIComponent(match[1]), config, cache);
    log(outcome.level, outcome.message);
    response.writeHead(outcome.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: outcome.status }));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address();
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
