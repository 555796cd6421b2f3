#!/usr/bin/env node
// serve.mjs [--config config/service.json] [--log logs/service.log] [--port 0]
// Runs the service until SIGTERM or Ctrl+C; prints "listening on <url>" when ready.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startService } from '../service/server.mjs';

const here = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    config: { type: 'string', default: resolve(here, 'config/service.json') },
    log: { type: 'string', default: resolve(here, 'logs/service.log') },
    port: { type: 'string', default: '0' },
  },
});
try {
  const service = await startService({
    configFile: values.config,
    logFile: values.log,
    port: Number(values.port),
  });
  process.stdout.write(`listening on ${service.url}\n`);
  const stop = () => service.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  process.stderr.write(`web-svc: ${error.message}\n`);
  process.exit(2);
}
