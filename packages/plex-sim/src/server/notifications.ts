import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RefreshActivity } from '../agent/agent-runtime.js';

export type ActivityEvent = 'started' | 'updated' | 'ended';

/** Both spellings: clients use the plural, the spec and the legacy docs the singular (API.md 2.9). */
const NOTIFICATION_PATHS = new Set(['/:/websockets/notifications', '/:/websocket/notifications']);

/**
 * The notifications websocket: `activity` frames for refreshes (started, updated, ended) and
 * library `timeline` entries (state 5 when an item is processed), in the envelope real servers send.
 */
export class NotificationHub {
  private readonly sockets = new WebSocketServer({ noServer: true });
  private readonly filters = new WeakMap<WebSocket, Set<string> | undefined>();

  constructor(
    private readonly sectionKey: string,
    private readonly authorized: (request: IncomingMessage, url: URL) => boolean,
  ) {}

  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (!NOTIFICATION_PATHS.has(url.pathname)) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      if (!this.authorized(request, url)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      this.sockets.handleUpgrade(request, socket, head, (client) => {
        const wanted = url.searchParams.get('filters');
        const allow =
          wanted && !wanted.startsWith('-')
            ? new Set(wanted.split(',').map((name) => name.trim()))
            : undefined;
        this.filters.set(client, allow);
      });
    });
  }

  activity(event: ActivityEvent, activity: RefreshActivity): void {
    this.broadcast('activity', {
      ActivityNotification: [
        {
          event,
          uuid: activity.uuid,
          Activity: {
            uuid: activity.uuid,
            type: 'library.refresh.items',
            cancellable: false,
            userID: 1,
            title: 'Refreshing',
            subtitle:
              event === 'ended' ? 'Augmenting metadata' : event === 'started' ? '' : 'Downloading metadata',
            progress: event === 'ended' ? 100 : event === 'started' ? 0 : 50,
            Context: {
              accessible: true,
              exists: true,
              key: `/library/metadata/${activity.ratingKey}`,
              refreshed: true,
              librarySectionID: this.sectionKey,
            },
          },
        },
      ],
    });
  }

  timeline(ratingKey: string, title: string, state: number, metadataState?: string): void {
    this.broadcast('timeline', {
      TimelineEntry: [
        {
          identifier: 'com.plexapp.plugins.library',
          sectionID: this.sectionKey,
          itemID: ratingKey,
          type: 1,
          title,
          state,
          ...(metadataState === undefined ? {} : { metadataState }),
          updatedAt: Math.floor(Date.now() / 1000),
        },
      ],
    });
  }

  close(): void {
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
  }

  private broadcast(type: string, payload: Record<string, unknown[]>): void {
    const frame = JSON.stringify({ NotificationContainer: { type, size: 1, ...payload } });
    for (const client of this.sockets.clients) {
      const allow = this.filters.get(client);
      if (allow && !allow.has(type)) continue;
      if (client.readyState === client.OPEN) client.send(frame);
    }
  }
}
