import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRatchetError, RatchetError } from '@ratchet/core';
import { AgentRuntime } from '../agent/agent-runtime.js';
import { initDataDir } from '../data-dir/init-data-dir.js';
import { type SimLibrary, type SimMovie, saveLibrary } from '../library/library.js';
import { type FaultPlanInput, FaultPlanRuntime, parseFaultPlan, type SimRouteName } from './fault-plan.js';
import { type ContainerNode, renderJson, renderXml, wantsJson } from './media-container.js';
import { NotificationHub } from './notifications.js';

export const SIM_SERVER_VERSION = '1.32.8.7639-fb6452ebf';

export interface SimulatorOptions {
  /** The server data folder; laid out and seeded when empty or new, reused as is otherwise. */
  dataDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Defaults to a random token; read it back from the returned handle. */
  token?: string;
  seed?: number;
  items?: number;
  /** Simulated waits (latency, request interval, backoff) are multiplied by this (default 0.02). */
  timeScale?: number;
  /** How long the agent is down during a restart, in ms (default 300). */
  restartMs?: number;
  /** Refreshes processed at once (default 4). */
  workers?: number;
  /** Random faults and a fault plan (docs/plex-sim.md, "Faults"). */
  faults?: FaultPlanInput;
}

export interface SimulatorHandle {
  url: string;
  port: number;
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

interface Route {
  /** What a fault plan calls it; `sim-control` routes are never counted or faulted. */
  name: SimRouteName | 'uncounted';
  method: string;
  pattern: RegExp;
  auth: boolean;
  faultable: boolean;
  handle(
    request: IncomingMessage,
    response: ServerResponse,
    match: RegExpExecArray,
    url: URL,
  ): Promise<void> | void;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Start a Plex-compatible server whose only agent is the simulated `com.plexapp.agents.simdb`. */
export async function createSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') {
    throw new RatchetError(
      'INPUT_INVALID',
      `plex-sim: host: only 127.0.0.1 is supported, got ${String(host)}`,
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RatchetError(
      'INPUT_INVALID',
      `plex-sim: port: expected an integer from 0 to 65535, got ${port}`,
    );
  }
  for (const [name, value, minimum] of [
    ['timeScale', options.timeScale, 0],
    ['restartMs', options.restartMs, 0],
    ['workers', options.workers, 1],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < minimum)) {
      throw new RatchetError(
        'INPUT_INVALID',
        `plex-sim: ${name}: expected a number >= ${minimum}, got ${value}`,
      );
    }
  }
  if (options.workers !== undefined && !Number.isInteger(options.workers)) {
    throw new RatchetError('INPUT_INVALID', `plex-sim: workers: expected an integer, got ${options.workers}`);
  }
  const token = options.token ?? randomBytes(16).toString('hex');
  if (token.length === 0 || /\s/.test(token)) {
    throw new RatchetError('INPUT_INVALID', 'plex-sim: token: must be non-empty and contain no spaces');
  }
  const faultPlan = parseFaultPlan(options.faults, 'plex-sim: faults');
  const init = await initDataDir(options.dataDir, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.items === undefined ? {} : { items: options.items }),
  });
  const library: SimLibrary = init.library;
  const byKey = new Map(library.movies.map((movie) => [movie.ratingKey, movie]));
  let libraryDirty = false;

  const notifications = new NotificationHub(library.section.key, (request, url) =>
    hasToken(request, url, token),
  );
  const runtime = new AgentRuntime({
    dataDir: init.layout.dataDir,
    agentLogFile: init.layout.agentLogFile,
    seed: library.seed,
    timeScale: options.timeScale ?? 0.02,
    restartMs: options.restartMs ?? 300,
    workers: options.workers ?? 4,
    onRefreshed: (movie) => {
      movie.updatedAt = Math.max(movie.updatedAt + 1, Math.floor(Date.now() / 1000));
      libraryDirty = true;
    },
    onActivity: (event, activity, movie) => {
      notifications.activity(event, activity);
      if (event === 'updated') notifications.timeline(movie.ratingKey, movie.title, 3, 'loading');
      if (event === 'ended') notifications.timeline(movie.ratingKey, movie.title, 5);
    },
  });
  await runtime.start();
  const faults = new FaultPlanRuntime(faultPlan, library.seed);

  const section = library.section;
  const identity = (): ContainerNode => ({
    size: 0,
    claimed: true,
    machineIdentifier: library.machineIdentifier,
    version: SIM_SERVER_VERSION,
  });

  const routes: Route[] = [
    {
      name: 'identity',
      method: 'GET',
      pattern: /^\/identity$/,
      auth: false,
      faultable: false,
      handle: (request, response) => {
        if (!runtime.healthy) throw new HttpProblem(503, 'The agent is restarting');
        send(request, response, 200, identity());
      },
    },
    {
      name: 'server',
      method: 'GET',
      pattern: /^\/$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        send(request, response, 200, {
          ...identity(),
          size: 4,
          friendlyName: 'Ratchet SimDB server',
          platform: 'Linux',
          platformVersion: process.version,
          myPlex: false,
          transcoderActiveVideoSessions: 0,
          updatedAt: Math.floor(Date.now() / 1000),
          Directory: ['activities', 'identity', 'library', 'status'].map((key) => ({
            count: 1,
            key,
            title: key,
          })),
        });
      },
    },
    {
      name: 'library',
      method: 'GET',
      pattern: /^\/library$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        send(request, response, 200, {
          size: 2,
          allowSync: false,
          title1: 'Plex Library',
          Directory: [
            { key: 'sections', title: 'Library Sections' },
            { key: 'recentlyAdded', title: 'Recently Added Content' },
          ],
        });
      },
    },
    {
      name: 'sections',
      method: 'GET',
      pattern: /^\/library\/sections(?:\/all)?$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        send(request, response, 200, {
          size: 1,
          allowSync: false,
          title1: 'Plex Library',
          Directory: [
            {
              allowSync: true,
              art: '/:/resources/movie-fanart.jpg',
              filters: true,
              refreshing: runtime.activities.length > 0,
              thumb: '/:/resources/movie.png',
              key: section.key,
              type: 'movie',
              title: section.title,
              agent: 'com.plexapp.agents.simdb',
              scanner: 'Plex Movie Scanner',
              language: 'en',
              uuid: section.uuid,
              updatedAt: section.createdAt,
              createdAt: section.createdAt,
              scannedAt: section.createdAt,
              content: true,
              directory: true,
              hidden: 0,
              Location: [{ id: 1, path: '/data/Movies' }],
            },
          ],
        });
      },
    },
    {
      name: 'items',
      method: 'GET',
      pattern: /^\/library\/sections\/([^/]+)\/all$/,
      auth: true,
      faultable: true,
      handle: (request, response, match, url) => {
        requireSection(match[1]!);
        const start = pagingValue(request, url, 'X-Plex-Container-Start') ?? 0;
        const requested = pagingValue(request, url, 'X-Plex-Container-Size');
        const total = library.movies.length;
        const page = library.movies.slice(start, requested === undefined ? undefined : start + requested);
        response.setHeader('X-Plex-Container-Start', String(start));
        response.setHeader('X-Plex-Container-Total-Size', String(total));
        send(request, response, 200, {
          size: page.length,
          totalSize: total,
          offset: start,
          allowSync: true,
          identifier: 'com.plexapp.plugins.library',
          librarySectionID: Number(section.key),
          librarySectionTitle: section.title,
          librarySectionUUID: section.uuid,
          title1: section.title,
          viewGroup: 'movie',
          Metadata: page.map((movie) => metadata(movie, false)),
        });
      },
    },
    {
      name: 'timeline',
      method: 'GET',
      pattern: /^\/library\/sections\/([^/]+)\/timeline$/,
      auth: true,
      faultable: true,
      handle: (request, response, match) => {
        requireSection(match[1]!);
        const pending = runtime.activities.length;
        send(request, response, 200, {
          size: 0,
          allowSync: true,
          identifier: 'com.plexapp.plugins.library',
          librarySectionID: Number(section.key),
          updateQueueSize: pending,
          updatedAt: Math.max(...library.movies.map((movie) => movie.updatedAt)),
        });
      },
    },
    {
      name: 'metadata',
      method: 'GET',
      pattern: /^\/library\/metadata\/([\d,]+)$/,
      auth: true,
      faultable: true,
      handle: (request, response, match) => {
        const movies = match[1]!
          .split(',')
          .filter((key) => key !== '')
          .map((key) => byKey.get(key))
          .filter((movie): movie is SimMovie => movie !== undefined);
        if (movies.length === 0) throw new HttpProblem(404, 'No such item');
        send(request, response, 200, {
          size: movies.length,
          allowSync: true,
          identifier: 'com.plexapp.plugins.library',
          librarySectionID: Number(section.key),
          librarySectionTitle: section.title,
          librarySectionUUID: section.uuid,
          Metadata: movies.map((movie) => metadata(movie, true)),
        });
      },
    },
    {
      name: 'refresh',
      method: 'PUT',
      pattern: /^\/library\/metadata\/(\d+)\/refresh$/,
      auth: true,
      faultable: true,
      handle: (request, response, match) => {
        const movie = byKey.get(match[1]!);
        if (!movie) throw new HttpProblem(404, 'No such item');
        if (!runtime.healthy) throw new HttpProblem(503, 'The agent is restarting');
        const activity = runtime.enqueue(movie);
        response.setHeader('X-Plex-Activity', activity.uuid);
        send(request, response, 200, { size: 0, identifier: 'com.plexapp.plugins.library' });
      },
    },
    {
      name: 'uncounted',
      method: 'GET',
      pattern: /^\/library\/metadata\/(\d+)\/refresh$/,
      auth: true,
      faultable: false,
      handle: () => {
        throw new HttpProblem(405, 'method_not_allowed');
      },
    },
    {
      name: 'activities',
      method: 'GET',
      pattern: /^\/activities$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        const activities = runtime.activities;
        send(request, response, 200, {
          size: activities.length,
          Activity: activities.map((activity) => ({
            uuid: activity.uuid,
            type: 'library.refresh.items',
            cancellable: false,
            userID: 1,
            title: 'Refreshing',
            subtitle: activity.state === 'queued' ? 'Queued' : 'Downloading metadata',
            progress: activity.state === 'queued' ? 0 : 50,
            Context: {
              accessible: true,
              exists: true,
              key: `/library/metadata/${activity.ratingKey}`,
              refreshed: true,
              librarySectionID: section.key,
            },
          })),
        });
      },
    },
    {
      name: 'agent-restart',
      method: 'POST',
      pattern: /^\/:\/sim\/agent\/restart$/,
      auth: true,
      faultable: false,
      handle: async (request, response) => {
        try {
          await runtime.requestRestart();
        } catch (error) {
          throw new HttpProblem(409, isRatchetError(error) ? error.message : String(error));
        }
        sendJson(response, 202, { accepted: true, restartMs: options.restartMs ?? 300 });
        void request;
      },
    },
    {
      name: 'uncounted',
      method: 'GET',
      pattern: /^\/:\/sim\/status$/,
      auth: true,
      faultable: false,
      handle: (_request, response) => {
        sendJson(response, 200, {
          healthy: runtime.healthy,
          prefs: runtime.prefs ?? null,
          refreshes: runtime.refreshCount,
          activities: runtime.activities.length,
          faults: faults.status(),
          dataDir: init.layout.dataDir,
          agentLog: init.layout.agentLogFile,
        });
      },
    },
    {
      name: 'uncounted',
      method: 'PUT',
      pattern: /^\/:\/sim\/faults$/,
      auth: true,
      faultable: false,
      handle: async (request, response) => {
        const body = await readBody(request);
        let json: unknown;
        try {
          json = body.trim() === '' ? {} : JSON.parse(body);
        } catch {
          throw new HttpProblem(400, 'faults: the body must be a JSON object');
        }
        try {
          faults.replace(parseFaultPlan(json, 'faults'));
        } catch (error) {
          throw new HttpProblem(400, isRatchetError(error) ? error.message : String(error));
        }
        sendJson(response, 200, { faults: faults.status() });
      },
    },
    {
      name: 'uncounted',
      method: 'POST',
      pattern: /^\/:\/sim\/faults\/windows\/([^/]+)\/(open|close)$/,
      auth: true,
      faultable: false,
      handle: (_request, response, match) => {
        const name = decodeURIComponent(match[1]!);
        if (!faults.hasWindow(name)) throw new HttpProblem(404, `No window ${name} in the fault plan`);
        faults.setWindow(name, match[2] === 'open');
        sendJson(response, 200, { window: name, open: match[2] === 'open' });
      },
    },
  ];

  function requireSection(key: string): void {
    if (key !== section.key) throw new HttpProblem(404, `No library section ${key}`);
  }

  function metadata(movie: SimMovie, full: boolean): ContainerNode {
    return {
      ratingKey: movie.ratingKey,
      key: `/library/metadata/${movie.ratingKey}`,
      guid: movie.guid,
      studio: movie.studio,
      type: 'movie',
      title: movie.title,
      titleSort: movie.titleSort,
      originalTitle: movie.originalTitle,
      contentRating: movie.contentRating,
      summary: movie.summary,
      year: movie.year,
      thumb: `/library/metadata/${movie.ratingKey}/thumb/${movie.updatedAt}`,
      duration: movie.durationMs,
      addedAt: movie.addedAt,
      updatedAt: movie.updatedAt,
      librarySectionID: full ? Number(section.key) : undefined,
      librarySectionTitle: full ? section.title : undefined,
      Media: [
        {
          id: Number(movie.ratingKey) * 10,
          duration: movie.durationMs,
          container: 'mkv',
          videoCodec: 'h264',
          Part: [
            {
              id: Number(movie.ratingKey) * 10 + 1,
              duration: movie.durationMs,
              file: movie.file,
              container: 'mkv',
            },
          ],
        },
      ],
    };
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const candidates = routes.filter((route) => route.pattern.test(url.pathname));
    const route = candidates.find((candidate) => candidate.method === (request.method ?? 'GET'));
    try {
      if (!route) {
        if (candidates.length > 0) throw new HttpProblem(405, 'method_not_allowed');
        throw new HttpProblem(404, 'Not Found');
      }
      if (route.auth && !hasToken(request, url, token)) {
        response.writeHead(401, { 'Content-Type': 'text/html' });
        response.end(
          '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>',
        );
        return;
      }
      if (
        route.name !== 'uncounted' &&
        (await faults.intercept(route.name, route.faultable, request, response))
      )
        return;
      await route.handle(request, response, route.pattern.exec(url.pathname)!, url);
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      response.writeHead(error.status, { 'Content-Type': 'text/html' });
      response.end(
        `<html><head><title>${error.status}</title></head><body><h1>${error.status} ${escapeHtml(error.message)}</h1></body></html>`,
      );
    }
  }

  notifications.attach(server);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new RatchetError('INPUT_INVALID', `plex-sim: cannot listen on ${host}:${port}: ${error.message}`, {
            cause: error,
            hint: 'Choose another port, or 0 for a free one.',
          }),
        ),
      );
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    notifications.close();
    await runtime.close();
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    token,
    dataDir: init.layout.dataDir,
    close: () => {
      closing ??= (async () => {
        faults.closeAll();
        notifications.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await runtime.close();
        if (libraryDirty) await saveLibrary(init.layout.dataDir, library);
      })();
      return closing;
    },
  };
}

function hasToken(request: IncomingMessage, url: URL, token: string): boolean {
  const header = request.headers['x-plex-token'];
  const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('X-Plex-Token');
  return given === token;
}

/** Paging values come as headers (python-plexapi) or query parameters (the spec); both work. */
function pagingValue(request: IncomingMessage, url: URL, name: string): number | undefined {
  const header = request.headers[name.toLowerCase()];
  const raw = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get(name) ?? undefined;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpProblem(400, `${name} must be a non-negative integer`);
  return Number(raw);
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  container: ContainerNode,
): void {
  if (wantsJson(request.headers.accept)) {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(renderJson(container));
  } else {
    response.writeHead(status, { 'Content-Type': 'text/xml;charset=utf-8' });
    response.end(renderXml(container));
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 65_536) throw new HttpProblem(413, 'The body is larger than 64 KiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
