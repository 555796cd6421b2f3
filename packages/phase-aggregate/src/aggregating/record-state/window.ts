import { compareTimestampBytes } from '../byte-path/line-classifier.js';

/** A window in Plex's own timestamp form (local time), compared as strings. */
export interface PlexWindow {
  start?: string;
  end?: string;
}

/** Whether a Plex timestamp is in the window (no window: every record is). */
export function inWindow(window: PlexWindow | undefined, timestamp: string | undefined): boolean {
  if (!window) return true;
  if (timestamp === undefined) return false;
  if (window.start !== undefined && timestamp < window.start) return false;
  if (window.end !== undefined && timestamp >= window.end) return false;
  return true;
}

/** `inWindow` for the 23 timestamp bytes at `start`, without decoding them. */
export function inWindowBytes(window: PlexWindow | undefined, bytes: Buffer, start: number): boolean {
  if (!window) return true;
  if (window.start !== undefined && compareTimestampBytes(bytes, start, window.start) < 0) return false;
  if (window.end !== undefined && compareTimestampBytes(bytes, start, window.end) >= 0) return false;
  return true;
}
