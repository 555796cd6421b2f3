import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDirLayout } from '../data-dir/init-data-dir.js';
import {
  operationsByItem,
  type ParsedRecord,
  parsePluginLog,
} from '../plugin-log/log-grammar.test-helpers.js';
import type { SimulatorHandle } from './simulator.js';

/** All agent records in the data folder, oldest file first (.log.5 ... .log.1, .log). */
export function readAgentLog(dataDir: string): ParsedRecord[] {
  const file = dataDirLayout(dataDir).agentLogFile;
  const files = ['.5', '.4', '.3', '.2', '.1', '']
    .map((suffix) => `${file}${suffix}`)
    .filter((path) => existsSync(path));
  return parsePluginLog(files.map((path) => readFileSync(path, 'utf8')).join(''));
}

export function lastOperation(dataDir: string, ratingKey: string): ParsedRecord[] {
  const operations = operationsByItem(readAgentLog(dataDir)).get(ratingKey) ?? [];
  const last = operations.at(-1);
  if (!last) throw new Error(`no operation for item ${ratingKey} in the agent log`);
  return last;
}

/** The failure an operation shows, read from its records the way a person reading the log would. */
export function operationKind(operation: ParsedRecord[]): string {
  const text = operation.map((record) => [record.message, ...record.continuation].join('\n')).join('\n');
  if (/No acceptable match for /.test(text)) return 'title-mismatch';
  if (/Cannot read model from /.test(text)) return 'model-read';
  if (/HTTP Error 429: Too Many Requests$/m.test(text)) return 'rate-limited';
  if (/<urlopen error timed out>/.test(text)) return 'timeout';
  if (/HTTP Error 404: Not Found$/m.test(text)) return 'not-found';
  if (/ - updated |SimDB - updated /.test(text)) return 'ok';
  return 'unknown';
}

export function headers(sim: SimulatorHandle, json = true): Record<string, string> {
  return { 'X-Plex-Token': sim.token, ...(json ? { Accept: 'application/json' } : {}) };
}

/** The JSON body of a Plex answer; tests read whichever fields they check. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary fields of server answers
export type PlexBody = { MediaContainer: any };

export async function getJson(
  sim: SimulatorHandle,
  path: string,
  extra: Record<string, string> = {},
): Promise<PlexBody> {
  const response = await fetch(`${sim.url}${path}`, { headers: { ...headers(sim), ...extra } });
  if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as PlexBody;
}

export async function refresh(sim: SimulatorHandle, ratingKey: string): Promise<Response> {
  return fetch(`${sim.url}/library/metadata/${ratingKey}/refresh`, { method: 'PUT', headers: headers(sim) });
}

/**
 * Poll /activities until no refresh is queued or running, as API.md's recommended algorithm does.
 * No deadline of its own: a loaded machine is slow, not wrong; the test's timeout guards a hang.
 */
export async function waitIdle(sim: SimulatorHandle): Promise<void> {
  for (;;) {
    const body = await getJson(sim, '/activities');
    if (body.MediaContainer.size === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Poll /identity until it answers 200 (no deadline of its own, as waitIdle). */
export async function waitHealthy(sim: SimulatorHandle): Promise<void> {
  for (;;) {
    const response = await fetch(`${sim.url}/identity`);
    await response.arrayBuffer();
    if (response.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function dataFile(dataDir: string, ...parts: string[]): string {
  return join(dataDir, ...parts);
}
