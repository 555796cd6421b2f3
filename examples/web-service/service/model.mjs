// The service's behaviour, kept apart from the HTTP plumbing so that it is easy to read. The
// upstream is simulated: its latency per item is a fixed function of the item id, so a given
// config always gives the same log for the same traffic, and the loop's decisions are repeatable.

/** Milliseconds the upstream takes to answer for an item: 30 to 390 ms. */
export function upstreamLatencyMs(itemId) {
  return 30 + ((itemId * 37) % 19) * 20;
}

/** Each cache slot is preallocated (1 MiB); past this much the process thrashes. */
export const HEAP_LIMIT_MIB = 256;

export function validateConfig(config, where) {
  const problems = [];
  const positiveInt = (value, path) => {
    if (!Number.isInteger(value) || value < 1)
      problems.push(`${path}: expected a positive integer, got ${JSON.stringify(value)}`);
  };
  if (typeof config !== 'object' || config === null) problems.push('expected an object');
  else {
    positiveInt(config.cache?.entries, 'cache.entries');
    positiveInt(config.upstream?.timeoutMs, 'upstream.timeoutMs');
  }
  if (problems.length) throw new Error(`${where}: ${problems.join('; ')}`);
  return config;
}

/** A least-recently-used cache of item bodies. */
export class LruCache {
  #entries = new Map();
  constructor(capacity) {
    this.capacity = capacity;
  }
  get(key) {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key);
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }
  set(key, value) {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value);
  }
}

/**
 * Answers one request for an item: `{status, level, message}`. What can go wrong, by config:
 * a cache miss on a slow item times out (`upstream.timeoutMs`), and a small cache makes
 * misses frequent (`cache.entries`); a cache too large for the heap
 * makes every request fail (`cache.entries` over HEAP_LIMIT_MIB); a non-numeric id is refused.
 */
export function handleItem(rawId, config, cache) {
  const path = `/items/${rawId}`;
  if (!/^\d+$/.test(rawId))
    return { status: 400, level: 'ERROR', message: `GET ${path} -> 400 invalid item id "${rawId}"` };
  if (config.cache.entries > HEAP_LIMIT_MIB) {
    return {
      status: 503,
      level: 'ERROR',
      message: `GET ${path} -> 503 heap exhausted: cache preallocates ${config.cache.entries} MiB, limit ${HEAP_LIMIT_MIB} MiB`,
    };
  }
  const itemId = Number(rawId);
  if (cache.get(itemId) !== undefined)
    return { status: 200, level: 'INFO', message: `GET ${path} -> 200 cache hit` };
  const latency = upstreamLatencyMs(itemId);
  if (latency > config.upstream.timeoutMs) {
    // The late answer still arrives and is cached: the next request for the item is a hit,
    // unless a cache too small for the traffic has evicted it by then.
    cache.set(itemId, { id: itemId });
    return {
      status: 504,
      level: 'ERROR',
      message: `GET ${path} -> 504 upstream timeout after ${config.upstream.timeoutMs} ms`,
    };
  }
  cache.set(itemId, { id: itemId });
  return { status: 200, level: 'INFO', message: `GET ${path} -> 200 upstream ${latency} ms` };
}
