export declare function upstreamLatencyMs(itemId: number): number;
export declare const HEAP_LIMIT_MIB: number;
export interface ServiceConfig {
  cache: { entries: number };
  upstream: { timeoutMs: number };
}
export declare function validateConfig(config: unknown, where: string): ServiceConfig;
export declare class LruCache {
  constructor(capacity: number);
  readonly capacity: number;
  get(key: unknown): unknown;
  set(key: unknown, value: unknown): void;
}
export declare function handleItem(
  rawId: string,
  config: ServiceConfig,
  cache: LruCache,
): { status: number; level: 'INFO' | 'ERROR'; message: string };
