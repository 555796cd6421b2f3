import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '@ratchet/core';
import { afterEach, describe, expect, it } from 'vitest';
import { restartServer } from './restart-server.js';

const TOKEN = 'health-token-5b8e1c-do-not-forward';

async function server(handle: (path: string) => { status: number; location?: string }) {
  const tokens: Array<string | undefined> = [];
  const paths: string[] = [];
  const http: Server = createServer((request, response) => {
    const token = request.headers['x-plex-token'];
    tokens.push(typeof token === 'string' ? token : undefined);
    paths.push(request.url ?? '/');
    const answer = handle(request.url ?? '/');
    response.writeHead(answer.status, answer.location ? { Location: answer.location } : {});
    response.end('{}');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    paths,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const settings = (healthUrl: string) => ({
  command: [process.execPath, '-e', ''],
  healthUrl,
  timeoutMs: 600,
  commandTimeoutMs: 10_000,
  intervalMs: 100,
});

describe('the restart health check and redirects', () => {
  it('never follows a redirect to another origin with the token, and says why it is not healthy', async () => {
    const elsewhere = await server(() => ({ status: 200 }));
    const plex = await server(() => ({ status: 302, location: `${elsewhere.url}/identity` }));
    closers.push(elsewhere.close, plex.close);
    const error = await restartServer(settings(`${plex.url}/identity`), {
      token: TOKEN,
      log: silentLogger,
    }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toContain('redirect to another origin');
    expect(error?.message).toContain(elsewhere.url);
    expect(error?.message).not.toContain(TOKEN);
    expect(elsewhere.tokens).toEqual([]);
    expect(plex.tokens.every((token) => token === TOKEN)).toBe(true);
  });

  it('follows a redirect within the origin and becomes healthy', async () => {
    const plex = await server((path) =>
      path === '/identity' ? { status: 307, location: '/identity/' } : { status: 200 },
    );
    closers.push(plex.close);
    const report = await restartServer(settings(`${plex.url}/identity`), { token: TOKEN, log: silentLogger });
    expect(report.healthChecks).toBe(1);
    expect(plex.paths).toEqual(['/identity', '/identity/']);
  });
});
