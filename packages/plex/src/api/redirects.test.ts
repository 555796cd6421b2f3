import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RatchetError } from '@ratchet/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PlexClient } from './plex-client.js';

const TOKEN = 'redirect-test-token-9d2f';

interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
}

/** A real HTTP server on 127.0.0.1 that records what it is sent and answers with `handle`. */
async function server(
  handle: (path: string) => { status: number; location?: string; body?: string },
): Promise<{ url: string; seen: Recorded[]; close: () => Promise<void> }> {
  const seen: Recorded[] = [];
  const http: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    seen.push({ path, headers: request.headers });
    const answer = handle(path);
    response.writeHead(answer.status, {
      'Content-Type': 'application/json',
      ...(answer.location ? { Location: answer.location } : {}),
    });
    response.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}

const SECTIONS = JSON.stringify({
  MediaContainer: { Directory: [{ key: '1', title: 'Movies', type: 'movie' }] },
});
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('PlexClient and redirects', () => {
  it('refuses a redirect to another origin with a coded error, and never sends the token there', async () => {
    const elsewhere = await server(() => ({ status: 200, body: SECTIONS }));
    const plex = await server(() => ({ status: 302, location: `${elsewhere.url}/library/sections` }));
    closers.push(elsewhere.close, plex.close);
    const client = new PlexClient({ url: plex.url, token: TOKEN, retries: 0 });
    const error = await client.sections().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RatchetError);
    expect((error as RatchetError).code).toBe('CROSS_ORIGIN_REDIRECT');
    expect((error as RatchetError).message).toContain(elsewhere.url);
    expect((error as RatchetError).message).not.toContain(TOKEN);
    expect(elsewhere.seen).toEqual([]);
  });

  it('follows a redirect within the same origin, with the token', async () => {
    const plex = await server((path) =>
      path === '/library/sections'
        ? { status: 301, location: '/moved/sections' }
        : { status: 200, body: SECTIONS },
    );
    closers.push(plex.close);
    const client = new PlexClient({ url: plex.url, token: TOKEN, retries: 0 });
    expect((await client.sections()).map((section) => section.title)).toEqual(['Movies']);
    expect(plex.seen.map((request) => request.path)).toEqual(['/library/sections', '/moved/sections']);
    expect(plex.seen.every((request) => request.headers['x-plex-token'] === TOKEN)).toBe(true);
  });

  it('gives up on a redirect loop within the origin', async () => {
    const plex = await server(() => ({ status: 302, location: '/library/sections' }));
    closers.push(plex.close);
    const client = new PlexClient({ url: plex.url, token: TOKEN, retries: 0 });
    await expect(client.sections()).rejects.toThrow(/redirected more than 5 times/);
  });
});
