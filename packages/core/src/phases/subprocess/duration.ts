import { RatchetError } from '../../errors/ratchet-error.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;

/**
 * Reads a duration given as milliseconds (a number or a bare number string) or as a number with a
 * unit: '500ms', '30s', '5m', '1.5h'. `where` names the setting in the error message.
 */
export function parseDuration(value: number | string, where: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return Math.round(value);
    throw invalidDuration(String(value), where);
  }
  const match = DURATION_PATTERN.exec(value);
  const amount = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  const unit = UNIT_MS[match?.[2] ?? 'ms'] ?? Number.NaN;
  const ms = Math.round(amount * unit);
  if (Number.isFinite(ms) && ms > 0) return ms;
  throw invalidDuration(JSON.stringify(value), where);
}

function invalidDuration(shown: string, where: string): RatchetError {
  return new RatchetError('PHASE_OPTIONS_INVALID', `${where}: ${shown} is not a positive duration`, {
    hint: "Write milliseconds as a number (120000) or a number with a unit: '500ms', '30s', '5m', '1h', '1d'.",
  });
}
