import { RatchetError } from '@ratchet/core';

/** What a person should read for a status Plex answered with. */
export function describeStatus(status: number): string {
  if (status === 401) return 'the server rejected the token (401 Unauthorized)';
  if (status === 403) return 'the token is not allowed to do this (403 Forbidden)';
  if (status === 404) return 'the server does not know this item or path (404 Not Found)';
  if (status === 405) return 'the server does not accept this method here (405 Method Not Allowed)';
  if (status === 429) return 'the server is rate limiting us (429 Too Many Requests)';
  if (status === 503)
    return 'the server is not ready (503 Service Unavailable), it may be starting or restarting';
  if (status >= 500) return `the server failed (${status})`;
  return `the server answered ${status}`;
}

export function hintForStatus(status: number): string | undefined {
  if (status === 401) {
    return 'Set PLEX_TOKEN (or the token option) to a valid account token: see https://support.plex.tv/articles/204059436';
  }
  if (status === 403) return 'Use the token of the server owner or an admin account.';
  if (status === 429 || status >= 500)
    return 'The server is overloaded: lower the refresh concurrency or retry later.';
  return undefined;
}

/** The HTTP status a Plex request failed with, if it failed with one. */
export function plexErrorStatus(error: unknown): number | undefined {
  if (!(error instanceof RatchetError) || error.code !== 'HTTP_ERROR') return undefined;
  const status = error.details?.status;
  return typeof status === 'number' ? status : undefined;
}
