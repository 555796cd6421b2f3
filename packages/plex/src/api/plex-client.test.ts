import { RatchetError } from '@ratchet/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlexServer } from './fake-plex-server.test-helpers.js';
import { plexErrorStatus } from './http-errors.js';
import { PlexClient, type PlexClientOptions, parseRetryAfter } from './plex-client.js';

let server: FakePlexServer;

beforeEach(async () => {
  server = await new FakePlexServer().start();
  server.addSection('1', 'Movies', 23);
  server.addSection('2', 'Shows', 4, 'show');
});

afterEach(async () => {
  await server.stop();
});

function client(options: Partial<PlexClientOptions> = {}): PlexClient {
  return new PlexClient({
    url: server.url,
    token: server.token,
    retryBaseMs: 5,
    timeoutMs: 2000,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<RatchetError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RatchetError);
    return error as RatchetError;
  }
  throw new Error('expected the promise to reject');
}

describe('PlexClient', () => {
  it('sends the token, asks for JSON and names itself with a stable identifier', async () => {
    const first = client();
    const sections = await first.sections();
    expect(sections.map((section) => [section.key, section.title, section.type])).toEqual([
      ['1', 'Movies', 'movie'],
      ['2', 'Shows', 'show'],
    ]);
    const headers = server.requests.at(-1)?.headers ?? {};
    expect(headers['x-plex-token']).toBe(server.token);
    expect(headers.accept).toBe('application/json');
    expect(headers['x-plex-product']).toBe('Ratchet');
    expect(headers['x-plex-client-identifier']).toBe(first.clientIdentifier);
    expect(client().clientIdentifier).toBe(first.clientIdentifier);
  });

  it('never puts the token in the URL, even when the user wrote it there', async () => {
    const fromUrl = new PlexClient({ url: `${server.url}/?X-Plex-Token=${server.token}` });
    expect(fromUrl.baseUrl).toBe(server.url);
    await fromUrl.sections();
    expect(server.requests.every((request) => !request.query.has('X-Plex-Token'))).toBe(true);
    expect(server.requests.at(-1)?.headers['x-plex-token']).toBe(server.token);
  });

  it('says the server rejected the token on a 401, without retrying and without the token', async () => {
    const error = await failure(client({ token: 'wrong-secret-token-123' }).sections());
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.message).toContain('the server rejected the token');
    expect(error.hint).toMatch(/PLEX_TOKEN/);
    expect(plexErrorStatus(error)).toBe(401);
    expect(
      JSON.stringify({ message: error.message, hint: error.hint, details: error.details }),
    ).not.toContain('wrong-secret-token-123');
    expect(server.requests).toHaveLength(1);
  });

  it('rides out a storm of 429 answers with backoff', async () => {
    server.fault('/library/sections', { kind: 'status', status: 429 }, 6);
    const sections = await client({ retries: 8 }).sections();
    expect(sections).toHaveLength(2);
    expect(server.requests.filter((request) => request.path === '/library/sections')).toHaveLength(7);
  });

  it('waits as long as Retry-After asks before trying again', async () => {
    server.fault('/library/sections', { kind: 'status', status: 429, retryAfter: '1' });
    const started = Date.now();
    await client().sections();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up after its retries with a message that names the rate limit and the attempts', async () => {
    server.fault('/library/sections', { kind: 'status', status: 429, retryAfter: '0' }, 10);
    const error = await failure(client({ retries: 2 }).sections());
    expect(error.message).toMatch(/did not complete GET \/library\/sections after 3 attempts/);
    expect(error.message).toContain('rate limiting');
    expect(plexErrorStatus(error)).toBe(429);
  });

  it('retries server errors and dropped connections', async () => {
    server.fault('/library/sections', { kind: 'status', status: 503 }, 2);
    server.fault('/library/sections', { kind: 'drop' }, 2);
    expect(await client().sections()).toHaveLength(2);
  });

  it('treats a slow answer as a timeout and tries again', async () => {
    server.fault('/library/sections', { kind: 'delay', ms: 600 });
    const before = server.requests.length;
    expect(await client({ timeoutMs: 200 }).sections()).toHaveLength(2);
    // The first answer was not waited for: a second request was sent, and it was answered.
    expect(server.requests.slice(before).filter((r) => r.path === '/library/sections')).toHaveLength(2);
  });

  it('explains a connection that keeps dropping and a server that is not there', async () => {
    server.fault('/library/sections', { kind: 'drop' }, 5);
    const dropped = await failure(client({ retries: 2 }).sections());
    expect(dropped.message).toContain('the connection was dropped');
    await server.stop();
    const refused = await failure(client({ retries: 1 }).identity());
    expect(refused.message).toContain('connection refused');
    server = await new FakePlexServer().start();
  });

  it('pages through a section with X-Plex-Container-Start and Size', async () => {
    const keys: string[] = [];
    for await (const item of client().iterateSectionItems('1', 7)) keys.push(item.ratingKey);
    expect(keys).toHaveLength(23);
    expect(new Set(keys).size).toBe(23);
    const pages = server.requests.filter((request) => request.path === '/library/sections/1/all');
    expect(pages.map((request) => request.headers['x-plex-container-start'])).toEqual(['0', '7', '14', '21']);
    expect(pages.every((request) => request.headers['x-plex-container-size'] === '7')).toBe(true);
  });

  it('reads the total size of a section without listing it', async () => {
    const page = await client().sectionItems('1', 0, 0);
    expect(page.items).toEqual([]);
    expect(page.totalSize).toBe(23);
  });

  it('reads several items in one metadata request', async () => {
    const items = await client().metadata(['1000', '1005', '2001']);
    expect(items.map((item) => [item.ratingKey, item.librarySectionID])).toEqual([
      ['1000', '1'],
      ['1005', '1'],
      ['2001', '2'],
    ]);
  });

  it('stops at once when the run is interrupted', async () => {
    const controller = new AbortController();
    server.fault('/library/sections', { kind: 'delay', ms: 5000 });
    const pending = client({ signal: controller.signal }).sections();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending);
    expect(error.code).toBe('INTERRUPTED');
  });

  it('refuses a URL that is not one, without echoing its query', () => {
    expect(() => new PlexClient({ url: 'not a url?X-Plex-Token=abc' })).toThrow(
      /not a valid URL: "not a url"/,
    );
    expect(() => new PlexClient({ url: 'ftp://host' })).toThrow(/http or https/);
  });

  it('reports a path the server does not know as a 404', async () => {
    const error = await failure(client({ token: server.token }).request('/not-plex'));
    expect(plexErrorStatus(error)).toBe(404);
  });
});

describe('PlexClient logging', () => {
  it('never writes the token into a log line, whatever goes wrong', async () => {
    const lines: string[] = [];
    const capture = (message: string, data?: Record<string, unknown>) => {
      lines.push(`${message} ${JSON.stringify(data ?? {})}`);
    };
    const log = { debug: capture, info: capture, warn: capture, error: capture };
    server.fault('/library/sections', { kind: 'status', status: 429, retryAfter: '0' }, 2);
    server.fault('/library/sections', { kind: 'drop' });
    server.fault('/library/sections', { kind: 'status', status: 500 });
    await client({ log }).sections();
    await failure(client({ log, token: 'another-secret-456' }).sections());
    const fromUrl = new PlexClient({
      url: `${server.url}?X-Plex-Token=${server.token}`,
      log,
      retryBaseMs: 5,
    });
    await fromUrl.metadata(['1000']);
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) {
      expect(line).not.toContain(server.token);
      expect(line).not.toContain('another-secret-456');
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
