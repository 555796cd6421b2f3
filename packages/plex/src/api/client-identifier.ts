import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';

/**
 * A client identifier that stays the same across runs on one machine and user, so the server sees
 * one device instead of a new one per run, without storing anything.
 */
export function stableClientIdentifier(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Some containers run as a uid without a passwd entry.
  }
  const digest = createHash('sha256').update(`ratchet:${hostname()}:${user}`).digest('hex');
  return `ratchet-${digest.slice(0, 32)}`;
}
