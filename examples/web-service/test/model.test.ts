import { describe, expect, it } from 'vitest';
import {
  HEAP_LIMIT_MIB,
  handleItem,
  LruCache,
  upstreamLatencyMs,
  validateConfig,
} from '../service/model.mjs';

const config = (entries: number, timeoutMs: number) => ({ cache: { entries }, upstream: { timeoutMs } });

describe('the web service model', () => {
  it('times out a cache miss on a slow item, then serves the late answer from the cache', () => {
    const slow = [...Array(80).keys()].map((i) => i + 1).find((id) => upstreamLatencyMs(id) > 120) ?? 0;
    const cache = new LruCache(8);
    expect(handleItem(String(slow), config(8, 120), cache)).toMatchObject({ status: 504, level: 'ERROR' });
    expect(handleItem(String(slow), config(8, 120), cache)).toMatchObject({
      status: 200,
      message: `GET /items/${slow} -> 200 cache hit`,
    });
  });

  it('evicts the least recently used entry once the cache is full', () => {
    const cache = new LruCache(2);
    cache.set(1, 'a');
    cache.set(2, 'b');
    cache.get(1);
    cache.set(3, 'c');
    expect([cache.get(1), cache.get(2), cache.get(3)]).toEqual(['a', undefined, 'c']);
  });

  it('fails every request when the preallocated cache does not fit in the heap, and refuses bad ids', () => {
    expect(handleItem('5', config(HEAP_LIMIT_MIB + 1, 400), new LruCache(10)).status).toBe(503);
    expect(handleItem('latest', config(8, 400), new LruCache(8))).toMatchObject({
      status: 400,
      message: 'GET /items/latest -> 400 invalid item id "latest"',
    });
  });

  it('names every bad key of a config', () => {
    expect(() => validateConfig({ cache: { entries: 0 }, upstream: {} }, 'service.json')).toThrow(
      'service.json: cache.entries: expected a positive integer, got 0; upstream.timeoutMs: expected a positive integer, got undefined',
    );
  });
});
