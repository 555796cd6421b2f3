/**
 * Plex writes local time without a zone (`2019-02-26 21:33:48,052`). Timestamps in this form sort
 * as strings, so a window is compared in the same form: no Date per record.
 */

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** A Date as a Plex log timestamp in the process's local time zone. */
export function toPlexTimestamp(date: Date): string {
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},${pad(date.getMilliseconds(), 3)}`
  );
}

const PLEX_TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3})$/;

/** A Plex log timestamp (local time) as a Date, or undefined when it is not one. */
export function fromPlexTimestamp(timestamp: string): Date | undefined {
  const match = PLEX_TIMESTAMP.exec(timestamp);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match.map(Number) as number[];
  const date = new Date(y ?? 0, (mo ?? 1) - 1, d, h, mi, s, ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A Plex log timestamp as an ISO string with the zone (UTC), for reports; the input if it does not parse. */
export function plexTimestampToIso(timestamp: string): string {
  return fromPlexTimestamp(timestamp)?.toISOString() ?? timestamp;
}
