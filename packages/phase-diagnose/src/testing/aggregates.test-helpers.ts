import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AggregateResult,
  type Diagnosis,
  type ErrorType,
  LoopEvents,
  type PhaseContext,
  RatchetError,
  silentLogger,
} from '@ratchet/core';

export const SIMDB = 'com.plexapp.agents.simdb';
export const SIMDB_RULES = new URL('../../../plex-sim/rules/simdb.yaml', import.meta.url).pathname;

const items = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`);

export function titleMismatch(count = 6): ErrorType {
  return {
    id: `title-mismatch:${SIMDB}:no-match-above-threshold`,
    category: 'title-mismatch',
    count,
    agents: [SIMDB],
    template: 'No match above threshold <*> for <*>',
    examples: [
      "2026-11-24 10:00:00,001 (7f01) :  INFO (agent:88) - No match above threshold 85 for 'The Matrix (1999)'",
    ],
    items: items('item-', count),
  };
}

export function rateLimited(count = 3): ErrorType {
  return {
    id: `rate-limited:${SIMDB}:429:api.simdb.example`,
    category: 'rate-limited',
    count,
    agents: [SIMDB],
    httpStatus: 429,
    host: 'api.simdb.example',
    template: 'HTTP Error 429: Too Many Requests',
    examples: ["Error opening URL 'http://api.simdb.example/v2/search?q=heat'"],
    items: items('item-', count).map((item) => `${item}-rl`),
  };
}

export function v2NotFound(count = 2): ErrorType {
  return {
    id: `http-error:${SIMDB}:404:api.simdb.example`,
    category: 'http-error',
    count,
    agents: [SIMDB],
    httpStatus: 404,
    host: 'api.simdb.example',
    template: "Error opening URL '<*>'",
    examples: [
      "Error opening URL 'http://api.simdb.example/v2/movie/tt0113277'",
      'HTTPError: HTTP Error 404: Not Found',
    ],
    items: items('item-', count).map((item) => `${item}-nf`),
  };
}

/** 20 items, like the simulator's library; the error types name which ones failed. */
export function simdbAggregate(errorTypes: ErrorType[]): AggregateResult {
  const failed = new Set(errorTypes.flatMap((type) => type.items ?? []));
  const all = [...items('item-', 20), ...[...failed].filter((item) => !item.match(/^item-\d+$/))];
  return {
    metrics: { searchOps: all.length, updateOps: all.length, records: 400 },
    errorTypes,
    items: all.map((item) => ({ item, ok: !failed.has(item) })),
  };
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'diagnose-test-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content, 'utf8');
}

export function phaseContext(runDir: string): PhaseContext {
  return {
    iteration: 1,
    runDir,
    outDir: runDir,
    signal: new AbortController().signal,
    log: silentLogger,
    events: new LoopEvents(),
    state: {} as PhaseContext['state'],
    measure: async () => {
      throw new Error('not used by diagnose');
    },
    progress() {},
  };
}

/** The RatchetError a promise rejects with; fails the test when it resolves or throws something else. */
export async function rejection(promise: unknown): Promise<RatchetError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RatchetError) return error;
    throw error;
  }
  throw new Error('expected a RatchetError, but the call succeeded');
}

export function errorTypeEntries(
  diagnosis: Diagnosis,
): Array<{ id: string; rules: string[]; rootCause?: string; sources: string[] }> {
  return (diagnosis.errorTypes ?? []) as unknown as Array<{
    id: string;
    rules: string[];
    rootCause?: string;
    sources: string[];
  }>;
}
