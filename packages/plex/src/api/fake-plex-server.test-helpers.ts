import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface FakeItem {
  ratingKey: string;
  title: string;
  guid?: string;
  sectionId: string;
  updatedAt: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'drop' }
  | { kind: 'delay'; ms: number };

/**
 * A small Plex-compatible HTTP server on 127.0.0.1 for tests: sections, paged items, metadata,
 * item refresh that runs as an activity for `refreshMs`, /activities, a token check, and faults
 * (status codes with Retry-After, dropped connections, slow answers) queued per path prefix.
 */
export class FakePlexServer {
  readonly token: string;
  readonly items = new Map<string, FakeItem>();
  readonly sections: { key: string; title: string; type: string }[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly refreshed: string[] = [];
  /** Extra activities reported as in flight (e.g. someone browsing other items). */
  readonly noiseActivities: { type: string; key?: string }[] = [];
  refreshMs = 100;
  /** Whether refresh bumps updatedAt (Plex leaves it when nothing changed). */
  bumpUpdatedAt = true;
  onRefresh: ((item: FakeItem) => void | Promise<void>) | undefined;
  /** Answer refreshes with `X-Plex-Activity: <uuid>`, as the spec describes for activities. */
  sendActivityHeader = false;
  /** Whether activities say which item they concern (`Context.key`); a just-started one does not. */
  activityContext = true;
  maxConcurrentRefreshRequests = 0;
  readonly #faults: { prefix: string; method: string | undefined; fault: Fault }[] = [];
  readonly #running = new Map<string, { uuid: string; key: string; until: number }>();
  #inFlightRefreshRequests = 0;
  #server: Server | undefined;
  #sockets: WebSocketServer | undefined;
  /** Serve `/:/websockets/notifications` (token checked in the handshake headers). */
  websocket = false;
  /** Tokens that websocket handshakes arrived with, and their URLs, for assertions. */
  readonly websocketHandshakes: { token: string | undefined; url: string }[] = [];
  url = '';

  constructor(token = 'fake-token-3f9a7c1e') {
    this.token = token;
  }

  addSection(key: string, title: string, count: number, type = 'movie', firstKey = Number(key) * 1000): void {
    this.sections.push({ key, title, type });
    for (let i = 0; i < count; i += 1) {
      const ratingKey = String(firstKey + i);
      this.items.set(ratingKey, {
        ratingKey,
        title: `${title} item ${i}`,
        guid: `com.plexapp.agents.simdb://${ratingKey}?lang=en`,
        sectionId: key,
        updatedAt: 1_700_000_000,
      });
    }
  }

  /** Queue `times` faults for requests whose path starts with `prefix` (and method, when given). */
  fault(prefix: string, fault: Fault, times = 1, method?: string): void {
    for (let i = 0; i < times; i += 1) this.#faults.push({ prefix, method, fault });
  }

  async start(): Promise<this> {
    this.#server = createServer((request, response) => {
      void this.#handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
    this.#sockets = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (request, socket, head) => {
      const token = request.headers['x-plex-token'];
      this.websocketHandshakes.push({
        token: typeof token === 'string' ? token : undefined,
        url: request.url ?? '',
      });
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      if (!this.websocket || path !== '/:/websockets/notifications' || token !== this.token) {
        socket.end(
          `HTTP/1.1 ${this.websocket && path === '/:/websockets/notifications' ? '401 Unauthorized' : '404 Not Found'}\r\n\r\n`,
        );
        return;
      }
      this.#sockets?.handleUpgrade(request, socket, head, (ws) =>
        this.#sockets?.emit('connection', ws, request),
      );
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  #broadcast(frame: unknown): void {
    const text = JSON.stringify(frame);
    for (const client of this.#sockets?.clients ?? []) client.send(text);
  }

  async stop(): Promise<void> {
    for (const client of this.#sockets?.clients ?? []) client.terminate();
    this.#sockets?.close();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, headers: request.headers });

    const index = this.#faults.findIndex(
      (entry) => url.pathname.startsWith(entry.prefix) && (!entry.method || entry.method === method),
    );
    if (index >= 0) {
      const fault = (this.#faults.splice(index, 1)[0] as { fault: Fault }).fault;
      if (fault.kind === 'drop') {
        request.socket.destroy();
        return;
      }
      if (fault.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
      else {
        if (fault.retryAfter !== undefined) response.setHeader('Retry-After', fault.retryAfter);
        response.statusCode = fault.status;
        response.end(JSON.stringify({ errors: [{ status: fault.status }] }));
        return;
      }
    }

    if (url.pathname === '/identity')
      return this.#json(response, {
        MediaContainer: { size: 0, machineIdentifier: 'fake', version: '1.40.0' },
      });
    const token = request.headers['x-plex-token'] ?? url.searchParams.get('X-Plex-Token');
    if (token !== this.token) {
      response.statusCode = 401;
      response.setHeader('Content-Type', 'text/html');
      response.end(
        '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>',
      );
      return;
    }
    this.#expire();

    if (method === 'GET' && url.pathname === '/library/sections') {
      return this.#json(response, {
        MediaContainer: { size: this.sections.length, Directory: this.sections },
      });
    }
    const sectionMatch = /^\/library\/sections\/([^/]+)\/all$/.exec(url.pathname);
    if (method === 'GET' && sectionMatch) {
      const sectionId = decodeURIComponent(sectionMatch[1] as string);
      const all = [...this.items.values()].filter((item) => item.sectionId === sectionId);
      const start = Number(
        request.headers['x-plex-container-start'] ?? url.searchParams.get('X-Plex-Container-Start') ?? 0,
      );
      const size = Number(
        request.headers['x-plex-container-size'] ?? url.searchParams.get('X-Plex-Container-Size') ?? 50,
      );
      const page = all.slice(start, start + size).map((item) => this.#metadata(item));
      response.setHeader('X-Plex-Container-Total-Size', String(all.length));
      return this.#json(response, {
        MediaContainer: { size: page.length, totalSize: all.length, offset: start, Metadata: page },
      });
    }
    const refreshMatch = /^\/library\/metadata\/([^/]+)\/refresh$/.exec(url.pathname);
    if (refreshMatch) {
      if (method !== 'PUT') {
        response.statusCode = 405;
        response.end();
        return;
      }
      const item = this.items.get(decodeURIComponent(refreshMatch[1] as string));
      if (!item) {
        response.statusCode = 404;
        response.end();
        return;
      }
      this.#inFlightRefreshRequests += 1;
      this.maxConcurrentRefreshRequests = Math.max(
        this.maxConcurrentRefreshRequests,
        this.#inFlightRefreshRequests,
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
      this.#inFlightRefreshRequests -= 1;
      this.refreshed.push(item.ratingKey);
      const uuid = `activity-${item.ratingKey}-${this.refreshed.length}`;
      this.#running.set(item.ratingKey, {
        uuid,
        key: `/library/metadata/${item.ratingKey}`,
        until: Date.now() + this.refreshMs,
      });
      setTimeout(() => {
        void Promise.resolve(this.onRefresh?.(item)).finally(() => {
          if (this.bumpUpdatedAt)
            item.updatedAt = Math.max(item.updatedAt + 1, Math.floor(Date.now() / 1000));
          this.#running.delete(item.ratingKey);
          const activity = {
            uuid,
            type: 'library.refresh.items',
            Context: { key: `/library/metadata/${item.ratingKey}` },
          };
          this.#broadcast({
            NotificationContainer: {
              type: 'activity',
              size: 1,
              ActivityNotification: [{ event: 'ended', uuid, Activity: activity }],
            },
          });
        });
      }, this.refreshMs);
      if (this.sendActivityHeader) response.setHeader('X-Plex-Activity', uuid);
      return this.#json(response, { MediaContainer: { size: 0, identifier: 'com.plexapp.plugins.library' } });
    }
    const metadataMatch = /^\/library\/metadata\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && metadataMatch) {
      const keys = decodeURIComponent(metadataMatch[1] as string).split(',');
      const found = keys
        .map((key) => this.items.get(key))
        .filter((item): item is FakeItem => item !== undefined);
      if (found.length === 0) {
        response.statusCode = 404;
        response.end();
        return;
      }
      return this.#json(response, {
        MediaContainer: { size: found.length, Metadata: found.map((item) => this.#metadata(item)) },
      });
    }
    if (method === 'GET' && url.pathname === '/activities') {
      const activities = [
        ...[...this.#running.values()].map((run) => ({
          uuid: run.uuid,
          type: 'library.refresh.items',
          title: 'Refreshing',
          progress: 50,
          ...(this.activityContext ? { Context: { key: run.key } } : {}),
        })),
        ...this.noiseActivities.map((noise, index) => ({
          uuid: `noise-${index}`,
          type: noise.type,
          ...(noise.key ? { Context: { key: noise.key } } : {}),
        })),
      ];
      return this.#json(response, { MediaContainer: { size: activities.length, Activity: activities } });
    }
    response.statusCode = 404;
    response.end();
  }

  #expire(): void {
    const now = Date.now();
    for (const [key, run] of this.#running) if (run.until + 1000 < now) this.#running.delete(key);
  }

  #metadata(item: FakeItem) {
    return {
      ratingKey: item.ratingKey,
      key: `/library/metadata/${item.ratingKey}`,
      guid: item.guid,
      type: 'movie',
      title: item.title,
      librarySectionID: Number(item.sectionId),
      updatedAt: item.updatedAt,
    };
  }

  #json(response: ServerResponse, body: unknown): void {
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify(body));
  }
}
