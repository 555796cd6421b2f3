import { createHash } from 'node:crypto';

/**
 * A number in [0, 1) that depends only on its inputs. The simulator draws every "random" outcome
 * this way (seed + item + what is being decided), so the same prefs give the same outcome for the
 * same item however often, and in whatever order, items are refreshed.
 */
export function unitHash(...parts: ReadonlyArray<string | number>): number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000;
}

/** An integer in [low, high] (inclusive) drawn like `unitHash`. */
export function intHash(low: number, high: number, ...parts: ReadonlyArray<string | number>): number {
  return low + Math.floor(unitHash(...parts) * (high - low + 1));
}

/** Pick one element of a non-empty list, drawn like `unitHash`. */
export function pickHash<T>(list: readonly T[], ...parts: ReadonlyArray<string | number>): T {
  const value = list[Math.floor(unitHash(...parts) * list.length)];
  if (value === undefined) throw new Error('pickHash: empty list');
  return value;
}

export function hexHash(length: number, ...parts: ReadonlyArray<string | number>): string {
  return createHash('sha1').update(parts.join('\u0000')).digest('hex').slice(0, length);
}
