import { type Logger, RatchetError, redactText, registerSecret, silentLogger } from '@ratchet/core';
import WebSocket from 'ws';
import type { z } from 'zod';
import { stableClientIdentifier } from './client-identifier.js';
import { sleep } from './concurrency.js';
import { describeStatus, hintForStatus } from './http-errors.js';
import {
  type PlexActivity,
  PlexActivitySchema,
  type PlexIdentity,
  PlexIdentitySchema,
  type PlexItem,
  PlexItemSchema,
  type PlexPage,
  type PlexSection,
  PlexSectionSchema,
} from './types.js';

export interface PlexClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:32400. A token in its query string is taken out. */
  url: string;
  /** The account token; default: the PLEX_TOKEN environment variable. Sent only as a header. */
  token?: string;
  /** Default: a stable id derived from this machine and user. */
  clientIdentifier?: string;
  /** Per-attempt timeout, default 15 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and dropped connections; default 4. */
  retries?: number;
  /** First backoff delay, doubled each retry (with jitter); default 500 ms. */
  retryBaseMs?: number;
  /** No single wait (backoff or Retry-After) is longer than this; default 30 000 ms. */
  maxRetryDelayMs?: number;
  log?: Logger;
  /** Aborts every request in flight and every wait (Ctrl+C). */
  signal?: AbortSignal;
  /** For tests and instrumentation; default: the global fetch. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
}

const PRODUCT = 'Ratchet';
const VERSION = '0.1.0';
const RETRYABLE_STATUS = (status: number) => status === 429 || status >= 500;

const MAX_REDIRECTS = 5;

/**
 * A small client for the parts of the Plex Media Server API a test needs. Every request carries the
 * token in `X-Plex-Token` and asks for JSON; transient failures are retried with backoff, and
 * every error message is written for a person and never contains the token.
 */
export class PlexClient {
  readonly baseUrl: string;
  readonly clientIdentifier: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryBaseMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #log: Logger;
  readonly #signal: AbortSignal | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: PlexClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new RatchetError('INPUT_INVALID', `Plex URL is not a valid URL: "${stripQuery(options.url)}"`, {
        hint: 'Give the server address with its scheme and port, e.g. http://127.0.0.1:32400',
      });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new RatchetError('INPUT_INVALID', `Plex URL must use http or https, got "${parsed.protocol}"`);
    }
    const tokenInUrl = parsed.searchParams.get('X-Plex-Token') ?? undefined;
    parsed.search = '';
    parsed.hash = '';
    this.baseUrl = parsed.toString().replace(/\/+$/, '');
    this.#token = options.token ?? tokenInUrl ?? process.env.PLEX_TOKEN ?? undefined;
    registerSecret(this.#token);
    this.clientIdentifier = options.clientIdentifier ?? stableClientIdentifier();
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#retries = options.retries ?? 4;
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.#log = options.log ?? silentLogger;
    this.#signal = options.signal;
    this.#fetch = options.fetch ?? fetch;
  }

  get hasToken(): boolean {
    return Boolean(this.#token);
  }

  /** `GET /identity`: needs no token, so it is the liveness probe. */
  async identity(): Promise<PlexIdentity> {
    const body = await this.request('/identity');
    return PlexIdentitySchema.parse(container(body));
  }

  async sections(): Promise<PlexSection[]> {
    const body = await this.request('/library/sections');
    return parseList(container(body).Directory, PlexSectionSchema, 'GET /library/sections');
  }

  /** One page of a section's items (`X-Plex-Container-Start/Size`). Size 0 gives only the total. */
  async sectionItems(sectionId: string, start: number, size: number): Promise<PlexPage<PlexItem>> {
    const path = `/library/sections/${encodeURIComponent(sectionId)}/all`;
    const paging = { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Size': String(size) };
    const { body, headers } = await this.requestWithHeaders(path, { query: paging, headers: paging });
    const media = container(body);
    const items = parseList(media.Metadata, PlexItemSchema, `GET ${path}`).map((item) => ({
      ...item,
      librarySectionID: item.librarySectionID ?? sectionId,
    }));
    const total = media.totalSize ?? headers.get('X-Plex-Container-Total-Size') ?? undefined;
    return {
      items,
      totalSize: total === undefined ? undefined : Number(total),
      offset: Number(media.offset ?? start),
    };
  }

  /** Every item of a section, page by page: memory holds one page at a time. */
  async *iterateSectionItems(sectionId: string, pageSize = 100): AsyncGenerator<PlexItem> {
    let start = 0;
    for (;;) {
      const page = await this.sectionItems(sectionId, start, pageSize);
      for (const item of page.items) yield item;
      start += page.items.length;
      if (page.items.length === 0 || (page.totalSize !== undefined && start >= page.totalSize)) return;
    }
  }

  /** `GET /library/metadata/{k1,k2,...}`, in chunks so the URL stays short. */
  async metadata(ratingKeys: readonly string[]): Promise<PlexItem[]> {
    const found: PlexItem[] = [];
    for (let i = 0; i < ratingKeys.length; i += 50) {
      const chunk = ratingKeys
        .slice(i, i + 50)
        .map(encodeURIComponent)
        .join(',');
      const body = await this.request(`/library/metadata/${chunk}`);
      found.push(...parseList(container(body).Metadata, PlexItemSchema, 'GET /library/metadata'));
    }
    return found;
  }

  /**
   * `PUT /library/metadata/{ratingKey}/refresh`: the server queues the refresh and answers at once,
   * with the uuid of the activity that tracks it in `X-Plex-Activity` when it says.
   */
  async refresh(ratingKey: string, options: { force?: boolean } = {}): Promise<{ activity?: string }> {
    const { headers } = await this.requestWithHeaders(
      `/library/metadata/${encodeURIComponent(ratingKey)}/refresh`,
      {
        method: 'PUT',
        query: options.force ? { force: 1 } : {},
      },
    );
    const activity = headers.get('X-Plex-Activity');
    return activity ? { activity } : {};
  }

  async activities(): Promise<PlexActivity[]> {
    const body = await this.request('/activities');
    return parseList(container(body).Activity, PlexActivitySchema, 'GET /activities');
  }

  /**
   * Opens the notifications websocket (`/:/websockets/notifications`), the token in the handshake's
   * headers rather than in the URL, so it never shows up in a proxy's access log.
   */
  openNotifications(filters = 'activity,timeline'): WebSocket {
    const url = new URL(`${this.baseUrl}/:/websockets/notifications`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('filters', filters);
    const headers: Record<string, string> = {
      'X-Plex-Client-Identifier': this.clientIdentifier,
      'X-Plex-Product': PRODUCT,
      'X-Plex-Version': VERSION,
    };
    if (this.#token) headers['X-Plex-Token'] = this.#token;
    return new WebSocket(url, { headers, handshakeTimeout: this.#timeoutMs });
  }

  async request(path: string, options: RequestOptions = {}): Promise<unknown> {
    return (await this.requestWithHeaders(path, options)).body;
  }

  async requestWithHeaders(
    path: string,
    options: RequestOptions = {},
  ): Promise<{ body: unknown; headers: Headers }> {
    const method = options.method ?? 'GET';
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const what = `${method} ${path}`;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-Plex-Client-Identifier': this.clientIdentifier,
      'X-Plex-Product': PRODUCT,
      'X-Plex-Version': VERSION,
      ...options.headers,
    };
    if (this.#token) headers['X-Plex-Token'] = this.#token;

    let lastProblem = '';
    for (let attempt = 0; attempt <= this.#retries; attempt += 1) {
      this.#throwIfAborted(what);
      const outcome = await this.#attempt(url, method, headers, what);
      if (outcome.kind === 'ok') return { body: outcome.body, headers: outcome.headers };
      if (outcome.kind === 'fatal') throw outcome.error;
      lastProblem = outcome.problem;
      if (attempt === this.#retries) break;
      const delay = Math.min(this.#maxRetryDelayMs, outcome.retryAfterMs ?? this.#backoff(attempt));
      this.#log.warn(
        `Plex ${what}: ${lastProblem}; retrying in ${delay} ms (${attempt + 1}/${this.#retries})`,
      );
      try {
        await sleep(delay, this.#signal);
      } catch {
        this.#throwIfAborted(what);
      }
    }
    throw new RatchetError(
      'HTTP_ERROR',
      `Plex at ${this.baseUrl} did not complete ${what} after ${this.#retries + 1} attempts: ${lastProblem}`,
      {
        hint: 'Check that the server is running and reachable, or raise timeoutMs / retries.',
        details: { method, path, attempts: this.#retries + 1, status: lastStatus(lastProblem) },
      },
    );
  }

  async #attempt(
    url: URL,
    method: string,
    headers: Record<string, string>,
    what: string,
  ): Promise<
    | { kind: 'ok'; body: unknown; headers: Headers }
    | { kind: 'retry'; problem: string; retryAfterMs?: number }
    | { kind: 'fatal'; error: RatchetError }
  > {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = this.#signal ? AbortSignal.any([this.#signal, timeout]) : timeout;
    const started = Date.now();
    try {
      const response = await this.#fetchFollowingSameOrigin(url, method, headers, signal, what);
      const text = await response.text();
      this.#log.debug(`Plex ${what} -> ${response.status} in ${Date.now() - started} ms`);
      if (response.ok) return { kind: 'ok', body: parseJson(text, what), headers: response.headers };
      const problem = `${describeStatus(response.status)} [status ${response.status}]`;
      if (RETRYABLE_STATUS(response.status)) {
        const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'));
        return retryAfterMs === undefined
          ? { kind: 'retry', problem }
          : { kind: 'retry', problem, retryAfterMs };
      }
      const hint = hintForStatus(response.status);
      return {
        kind: 'fatal',
        error: new RatchetError('HTTP_ERROR', `Plex ${what} failed: ${describeStatus(response.status)}`, {
          ...(hint ? { hint } : {}),
          details: { method, path: url.pathname, status: response.status },
        }),
      };
    } catch (error) {
      this.#throwIfAborted(what);
      if (error instanceof RatchetError) return { kind: 'fatal', error };
      if (timeout.aborted) return { kind: 'retry', problem: `no answer within ${this.#timeoutMs} ms` };
      return { kind: 'retry', problem: redactText(describeNetworkError(error)) };
    }
  }

  /**
   * Follows redirects by hand, and only within the server's origin: the token travels in a header,
   * and `fetch` would send it to wherever a `Location` points.
   */
  async #fetchFollowingSameOrigin(
    url: URL,
    method: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    what: string,
  ): Promise<Response> {
    let current = url;
    for (let hop = 0; ; hop += 1) {
      const response = await this.#fetch(current, { method, headers, signal, redirect: 'manual' });
      const location = response.headers.get('Location');
      if (response.status < 300 || response.status > 399 || location === null) return response;
      await response.body?.cancel();
      const next = new URL(location, current);
      if (next.origin !== current.origin) {
        throw new RatchetError(
          'CROSS_ORIGIN_REDIRECT',
          `Plex ${what} was redirected (${response.status}) to another origin, ${next.origin}; Ratchet does not send the token there`,
          {
            hint: 'Point the Plex URL at the server itself (the address it answers on without redirecting).',
            details: { method, path: url.pathname, status: response.status, origin: next.origin },
          },
        );
      }
      if (hop >= MAX_REDIRECTS) {
        throw new RatchetError('HTTP_ERROR', `Plex ${what} was redirected more than ${MAX_REDIRECTS} times`, {
          details: { method, path: url.pathname, status: response.status },
        });
      }
      current = next;
    }
  }

  #backoff(attempt: number): number {
    const exponential = this.#retryBaseMs * 2 ** attempt;
    return Math.round(exponential / 2 + Math.random() * (exponential / 2));
  }

  #throwIfAborted(what: string): void {
    if (this.#signal?.aborted) {
      throw new RatchetError('INTERRUPTED', `Plex ${what} was interrupted`);
    }
  }
}

function container(body: unknown): Record<string, unknown> {
  if (body && typeof body === 'object' && 'MediaContainer' in body) {
    const media = (body as { MediaContainer: unknown }).MediaContainer;
    if (media && typeof media === 'object') return media as Record<string, unknown>;
  }
  return {};
}

function parseList<S extends z.ZodType>(value: unknown, schema: S, what: string): z.infer<S>[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry, index) => {
    const result = schema.safeParse(entry);
    if (!result.success) {
      throw new RatchetError(
        'HTTP_ERROR',
        `Plex ${what}: entry ${index} has an unexpected shape: ${result.error.issues[0]?.message ?? ''}`,
      );
    }
    return result.data;
  });
}

function parseJson(text: string, what: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    const start = redactText(text.slice(0, 80));
    throw new RatchetError('HTTP_ERROR', `Plex ${what} did not answer JSON (it starts with "${start}")`, {
      hint: 'Is the URL a Plex Media Server? It must answer JSON when asked with Accept: application/json.',
    });
  }
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: string } | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was dropped';
  if (code === 'ENOTFOUND') return 'the host name does not resolve';
  if (code) return `network error ${code}`;
  return error instanceof Error ? error.message : String(error);
}

function lastStatus(problem: string): number | undefined {
  const match = /\[status (\d+)\]/.exec(problem);
  return match ? Number(match[1]) : undefined;
}

function stripQuery(url: string): string {
  return url.replace(/[?#].*$/, '');
}
