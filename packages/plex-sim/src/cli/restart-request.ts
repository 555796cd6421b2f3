import { RatchetError } from '@ratchet/core';

export interface RestartRequest {
  /** The simulator's base URL, e.g. http://127.0.0.1:32400 */
  url: string;
  token: string;
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Also wait until `/identity` answers 200 again. */
  waitHealthy?: boolean;
}

function baseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RatchetError('USAGE', `--url: not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RatchetError('USAGE', `--url: expected an http(s) URL, got "${raw}"`);
  }
  return url;
}

/** Ask a running simulator to restart its agent (it reloads the preferences). The token is never echoed. */
export async function requestAgentRestart(request: RestartRequest): Promise<void> {
  const base = baseUrl(request.url);
  const deadline = Date.now() + (request.timeoutMs ?? 10_000);
  const endpoint = new URL('/:/sim/agent/restart', base);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'X-Plex-Token': request.token, Accept: 'application/json' },
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    });
  } catch (error) {
    throw new RatchetError(
      'HTTP_ERROR',
      `cannot reach the simulator at ${base.origin}: ${(error as Error).message}`,
      {
        hint: 'Is `ratchet sim` running on that URL?',
      },
    );
  }
  const body = await response.text();
  if (response.status === 401) {
    throw new RatchetError('HTTP_ERROR', `the simulator at ${base.origin} rejected the token (HTTP 401)`, {
      hint: 'Pass the token with --token or PLEX_TOKEN.',
    });
  }
  if (response.status === 409) {
    const reason = body
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    throw new RatchetError('ACTION_FAILED', `the simulator refused to restart: ${reason}`);
  }
  if (response.status !== 202) {
    throw new RatchetError(
      'HTTP_ERROR',
      `the simulator answered HTTP ${response.status} to the restart request`,
    );
  }
  if (!request.waitHealthy) return;
  const identity = new URL('/identity', base);
  while (Date.now() < deadline) {
    try {
      const probe = await fetch(identity, { signal: AbortSignal.timeout(1000) });
      await probe.arrayBuffer();
      if (probe.status === 200) return;
    } catch {
      // down for a moment while restarting: keep polling until the deadline
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new RatchetError(
    'HTTP_ERROR',
    `the simulator at ${base.origin} was not healthy again before the timeout`,
  );
}
