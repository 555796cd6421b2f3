import type { Logger } from '@ratchet/core';
import type WebSocket from 'ws';
import type { PlexClient } from './plex-client.js';

export type RefreshNotification = { ratingKey: string; signal: 'activity-ended' | 'timeline-processed' };

const METADATA_KEY = /^\/library\/metadata\/([^/]+)/;

/**
 * Reads one notification frame and returns the items whose refresh it says has finished: an
 * `activity` of type `library.refresh.items` that `ended`, or a library `timeline` entry in state
 * 5 (processed) with no metadata or media work left (Tautulli's "done processing" test).
 */
export function parseRefreshNotifications(frame: string): RefreshNotification[] {
  let body: unknown;
  try {
    body = JSON.parse(frame);
  } catch {
    return [];
  }
  const container = (body as { NotificationContainer?: Record<string, unknown> })?.NotificationContainer;
  if (!container || typeof container !== 'object') return [];
  const found: RefreshNotification[] = [];
  for (const entry of asArray(container.ActivityNotification)) {
    const activity = entry?.Activity as { type?: string; Context?: { key?: string } } | undefined;
    if (entry?.event !== 'ended' || activity?.type !== 'library.refresh.items') continue;
    const ratingKey = METADATA_KEY.exec(activity.Context?.key ?? '')?.[1];
    if (ratingKey) found.push({ ratingKey, signal: 'activity-ended' });
  }
  for (const entry of asArray(container.TimelineEntry)) {
    if (entry?.identifier !== 'com.plexapp.plugins.library') continue;
    if (Number(entry.state) !== 5 || entry.metadataState !== undefined || entry.mediaState !== undefined)
      continue;
    if (entry.itemID !== undefined)
      found.push({ ratingKey: String(entry.itemID), signal: 'timeline-processed' });
  }
  return found;
}

function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

/**
 * Listens for finished refreshes on the notifications websocket. Best effort: when the server has
 * no websocket (or it drops), polling carries on alone.
 */
export function listenForRefreshes(
  client: PlexClient,
  onDone: (notification: RefreshNotification) => void,
  log: Logger,
  readyTimeoutMs = 2000,
): { ready: Promise<void>; close(): void } {
  let socket: WebSocket;
  try {
    socket = client.openNotifications();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.debug(`notifications websocket unavailable: ${message}`);
    return { ready: Promise.resolve(), close() {} };
  }
  // Resolves once the socket is open (so no event of ours is missed) or has failed; never rejects.
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, readyTimeoutMs);
    const settle = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.once('open', settle);
    socket.once('close', settle);
    socket.once('error', settle);
  });
  socket.on('message', (data) => {
    for (const notification of parseRefreshNotifications(data.toString())) onDone(notification);
  });
  socket.on('error', (error) => log.debug(`notifications websocket: ${error.message}; polling only`));
  return {
    ready,
    close() {
      socket.removeAllListeners('message');
      socket.terminate();
    },
  };
}
