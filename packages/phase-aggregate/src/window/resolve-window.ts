import type { TimeWindow } from '@ratchet/core';
import { RatchetError } from '@ratchet/core';
import { toPlexTimestamp } from '@ratchet/plex';
import type { PlexWindow } from '../aggregating/record-state/window.js';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `24h`, `30m`, `7d` (that long before `now`) or an ISO time, as a Date. */
export function parseTimeSpec(value: string, name: string, now: Date): Date {
  const duration = DURATION.exec(value.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * (UNIT_MS[duration[2] ?? 'ms'] ?? 1));
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new RatchetError(
      'INPUT_INVALID',
      `${name}: ${JSON.stringify(value)} is neither a duration nor an ISO time`,
      {
        hint: 'use a duration such as 24h, 30m or 7d, or an ISO time such as 2026-01-31T08:00:00Z',
      },
    );
  }
  return new Date(parsed);
}

/** The window to measure: `since`/`until` as given by a user, ISO strings out. */
export function resolveWindow(spec: { since?: string; until?: string }, now = new Date()): TimeWindow {
  const window: TimeWindow = {};
  if (spec.since !== undefined) window.start = parseTimeSpec(spec.since, 'since', now).toISOString();
  if (spec.until !== undefined) window.end = parseTimeSpec(spec.until, 'until', now).toISOString();
  if (window.start !== undefined && window.end !== undefined && window.start >= window.end) {
    throw new RatchetError(
      'INPUT_INVALID',
      `the window is empty: since (${window.start}) is not before until (${window.end})`,
    );
  }
  return window;
}

/** An ISO window as Plex timestamps in local time (start inclusive, end exclusive). */
export function toPlexWindow(window: TimeWindow | undefined): PlexWindow | undefined {
  if (!window || (window.start === undefined && window.end === undefined)) return undefined;
  const plex: PlexWindow = {};
  for (const key of ['start', 'end'] as const) {
    const value = window[key];
    if (value === undefined) continue;
    const time = Date.parse(value);
    if (Number.isNaN(time))
      throw new RatchetError('INPUT_INVALID', `window.${key}: ${JSON.stringify(value)} is not an ISO time`);
    plex[key] = toPlexTimestamp(new Date(time));
  }
  return plex;
}
