import { describeError, type Logger, RatchetError, silentLogger } from '@ratchet/core';
import { mapWithConcurrency, sleep } from './concurrency.js';
import { listenForRefreshes } from './notifications.js';
import type { PlexClient } from './plex-client.js';
import type { PlexActivity } from './types.js';

export interface RefreshOptions {
  /** Refreshes in flight at once; Plex's database suffers under a flood. Default 4. */
  concurrency?: number;
  /** Give up waiting after this long (from the first PUT); default 120 000 ms. */
  timeoutMs?: number;
  /** How often to poll /activities and the items; default 1000 ms. */
  pollIntervalMs?: number;
  /**
   * An item whose refresh never showed up as an activity counts as done once this long has passed
   * since its PUT with no activity for it (a refresh with nothing to do can be quicker than a poll).
   * Default 2000 ms.
   */
  settleMs?: number;
  force?: boolean;
  /** Also listen on the notifications websocket (finishes items sooner); default true. */
  notifications?: boolean;
  signal?: AbortSignal;
  log?: Logger;
  onProgress?: (done: number, total: number) => void;
}

export type CompletionSignal = 'activity-ended' | 'updated-at' | 'settled' | 'notification';

export interface ItemRefreshOutcome {
  ratingKey: string;
  /** The PUT was accepted. */
  requested: boolean;
  /** The refresh finished before the timeout. */
  completed: boolean;
  how?: CompletionSignal;
  error?: string;
  durationMs?: number;
}

export interface RefreshReport {
  items: ItemRefreshOutcome[];
  requested: number;
  completed: number;
  timedOut: string[];
  failed: string[];
  durationMs: number;
}

interface Pending {
  requestedAt: number;
  /** The uuid the PUT's X-Plex-Activity header named, if any. */
  activity: string | undefined;
  updatedAtBefore: number | undefined;
  activitySeen: boolean;
}

const METADATA_KEY = /^\/library\/metadata\/([^/]+)/;

/** The ratingKey a `library.refresh.items` activity concerns, if it names one. */
export function activityRatingKey(activity: PlexActivity): string | undefined {
  const key = activity.Context?.key;
  return key ? METADATA_KEY.exec(key)?.[1] : undefined;
}

/**
 * Refreshes the items with bounded concurrency and waits until each refresh is done, matching only
 * our own ratingKeys: an activity for the item (by its key, or by the uuid the PUT answered with in
 * `X-Plex-Activity`) that appeared and ended, a newer `updatedAt`, or
 * (for refreshes too quick to be seen) quiet for `settleMs` after the PUT.
 */
export async function refreshAndWait(
  client: PlexClient,
  ratingKeys: readonly string[],
  options: RefreshOptions = {},
): Promise<RefreshReport> {
  const log = options.log ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const settleMs = options.settleMs ?? 2000;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const keys = [...new Set(ratingKeys)];
  const outcomes = new Map<string, ItemRefreshOutcome>(
    keys.map((ratingKey) => [ratingKey, { ratingKey, requested: false, completed: false }]),
  );

  const updatedBefore = await readUpdatedAt(client, keys, log);
  const pending = new Map<string, Pending>();
  let done = 0;
  let wakeUp: (() => void) | undefined;
  const finish = (ratingKey: string, how: CompletionSignal) => {
    const entry = pending.get(ratingKey);
    const outcome = outcomes.get(ratingKey);
    if (!entry || !outcome) return;
    pending.delete(ratingKey);
    Object.assign(outcome, { completed: true, how, durationMs: Date.now() - entry.requestedAt });
    done += 1;
    options.onProgress?.(done, keys.length);
    if (pending.size === 0) wakeUp?.();
  };

  // Only items whose PUT has returned are pending, so an earlier refresh of the same item (someone
  // else's) that ends meanwhile is not taken for ours.
  const listener =
    options.notifications === false
      ? undefined
      : listenForRefreshes(client, ({ ratingKey }) => finish(ratingKey, 'notification'), log);
  try {
    await listener?.ready;
    return await track();
  } finally {
    listener?.close();
  }

  async function track(): Promise<RefreshReport> {
    await mapWithConcurrency(keys, options.concurrency ?? 4, async (ratingKey) => {
      const outcome = outcomes.get(ratingKey) as ItemRefreshOutcome;
      try {
        const { activity } = await client.refresh(ratingKey, { force: options.force ?? false });
        outcome.requested = true;
        pending.set(ratingKey, {
          requestedAt: Date.now(),
          activity,
          updatedAtBefore: updatedBefore.get(ratingKey),
          activitySeen: false,
        });
      } catch (error) {
        outcome.error = describeError(error);
        log.warn(`refresh of item ${ratingKey} failed: ${outcome.error}`);
      }
    });

    while (pending.size > 0 && Date.now() < deadline) {
      // A notification may finish the last item before the next poll: it wakes this wait.
      const nap = new AbortController();
      wakeUp = () => nap.abort();
      const signal = options.signal ? AbortSignal.any([options.signal, nap.signal]) : nap.signal;
      try {
        await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())), signal);
      } catch {
        if (options.signal?.aborted) {
          throw new RatchetError('INTERRUPTED', `waiting for ${pending.size} refreshes was interrupted`);
        }
      } finally {
        wakeUp = undefined;
      }
      if (pending.size === 0) break;
      let activities: PlexActivity[];
      try {
        activities = await client.activities();
      } catch (error) {
        log.warn(`could not read /activities: ${describeError(error)}`);
        continue;
      }
      const refreshing = activities.filter((activity) => activity.type === 'library.refresh.items');
      const active = new Set(
        refreshing.map(activityRatingKey).filter((key): key is string => key !== undefined),
      );
      const activeUuids = new Set(activities.map((activity) => activity.uuid).filter(Boolean));
      // A refresh that has just started may not say yet which item it is for.
      const unnamedInFlight = refreshing.some((activity) => activityRatingKey(activity) === undefined);

      const updatedNow = await readUpdatedAt(client, [...pending.keys()], log);
      const now = Date.now();
      for (const [ratingKey, entry] of [...pending]) {
        if (active.has(ratingKey) || (entry.activity !== undefined && activeUuids.has(entry.activity))) {
          entry.activitySeen = true;
          continue;
        }
        // The server named the activity of our refresh and it is gone: done, however quick it was.
        if (entry.activity !== undefined) entry.activitySeen = true;
        const before = entry.updatedAtBefore;
        const after = updatedNow.get(ratingKey);
        if (entry.activitySeen) finish(ratingKey, 'activity-ended');
        else if (before !== undefined && after !== undefined && after > before)
          finish(ratingKey, 'updated-at');
        else if (!unnamedInFlight && now - entry.requestedAt >= settleMs) finish(ratingKey, 'settled');
      }
    }

    const timedOut = [...pending.keys()];
    for (const ratingKey of timedOut) {
      const outcome = outcomes.get(ratingKey) as ItemRefreshOutcome;
      outcome.error = `still refreshing after ${timeoutMs} ms`;
    }
    const items = keys.map((key) => outcomes.get(key) as ItemRefreshOutcome);
    return {
      items,
      requested: items.filter((item) => item.requested).length,
      completed: done,
      timedOut,
      failed: items.filter((item) => !item.requested).map((item) => item.ratingKey),
      durationMs: Date.now() - started,
    };
  }
}

async function readUpdatedAt(
  client: PlexClient,
  keys: readonly string[],
  log: Logger,
): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  if (keys.length === 0) return result;
  try {
    for (const item of await client.metadata(keys)) {
      if (item.updatedAt !== undefined && Number.isFinite(item.updatedAt))
        result.set(item.ratingKey, item.updatedAt);
    }
  } catch (error) {
    log.debug(`could not read updatedAt of ${keys.length} items: ${describeError(error)}`);
  }
  return result;
}
