import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, RatchetError, redactText, registerSecret } from '@ratchet/core';
import { runArgv } from '../actions/command.js';
import { displayUrl } from './display-url.js';

const MAX_REDIRECTS = 5;

export interface RestartSettings {
  command: string[];
  healthUrl?: string;
  healthCommand?: string[];
  timeoutMs: number;
  commandTimeoutMs: number;
  intervalMs: number;
}

export interface RestartReport {
  durationMs: number;
  healthChecks: number;
}

async function probeOnce(
  settings: RestartSettings,
  token: string | undefined,
  waitMs: number,
): Promise<string | true> {
  if (settings.healthUrl) {
    try {
      const headers: Record<string, string> = token
        ? { 'X-Plex-Token': token, Accept: 'application/json' }
        : { Accept: 'application/json' };
      const signal = AbortSignal.timeout(Math.max(250, waitMs));
      // Redirects are followed by hand and only within the origin: the token rides in a header.
      let url = new URL(settings.healthUrl);
      for (let hop = 0; ; hop += 1) {
        const response = await fetch(url, { headers, signal, redirect: 'manual' });
        await response.body?.cancel();
        const location = response.headers.get('Location');
        if (response.status < 300 || response.status > 399 || location === null)
          return response.ok ? true : `HTTP ${response.status}`;
        const next = new URL(location, url);
        if (next.origin !== url.origin)
          return `HTTP ${response.status} redirect to another origin (${next.origin}), not followed: the token is not sent there`;
        if (hop >= MAX_REDIRECTS) return `more than ${MAX_REDIRECTS} redirects`;
        url = next;
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return cause ?? (error as Error).name;
    }
  }
  if (settings.healthCommand) {
    try {
      await runArgv(settings.healthCommand, { timeoutMs: Math.max(250, waitMs) });
      return true;
    } catch (error) {
      return (error as Error).message.split('\n')[0] ?? 'failed';
    }
  }
  return true;
}

/**
 * Runs the configured restart command (at most `commandTimeoutMs`), then polls the health check (an
 * URL answering 2xx, or a command exiting 0) for at most `timeoutMs`. Throws with the last answer.
 */
export async function restartServer(
  settings: RestartSettings,
  options: { token?: string; log: Logger; signal?: AbortSignal },
): Promise<RestartReport> {
  const started = Date.now();
  registerSecret(options.token);
  try {
    await runArgv(settings.command, { timeoutMs: settings.commandTimeoutMs, signal: options.signal });
  } catch (error) {
    throw new RatchetError(
      'RESTART_FAILED',
      `restart command failed: ${redactText((error as Error).message)}`,
      {
        hint: 'check the restart command of the implement phase (`ratchet validate` runs the world checks)',
      },
    );
  }
  const deadline = Date.now() + settings.timeoutMs;
  let checks = 0;
  let last = 'not checked';
  for (;;) {
    checks += 1;
    const answer = await probeOnce(
      settings,
      options.token,
      // A busy server may take a while to answer: give each check a few seconds, never past the deadline.
      Math.max(50, Math.min(Math.max(settings.intervalMs * 5, 3_000), deadline - Date.now())),
    );
    if (answer === true) return { durationMs: Date.now() - started, healthChecks: checks };
    last = redactText(answer);
    if (Date.now() + settings.intervalMs > deadline) break;
    options.log.debug('implement: waiting for the server to become healthy', { last, checks });
    await sleep(settings.intervalMs, undefined, { signal: options.signal });
  }
  const what = settings.healthUrl ? displayUrl(settings.healthUrl) : 'the health command';
  throw new RatchetError(
    'HEALTH_CHECK_FAILED',
    `the server did not become healthy within ${settings.timeoutMs} ms (${what}, last answer: ${last})`,
    { hint: 'check that the server starts with the restart command, and the health check URL or command' },
  );
}
