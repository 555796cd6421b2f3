/**
 * Number formatting shared by the Markdown and HTML reports. Rates are small fractions
 * (0.0123 errors per search) and counts are integers: both must read exactly, without
 * scientific notation for ordinary values and without locale surprises in CI.
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (Number.isInteger(value)) return groupThousands(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return groupThousands(Math.round(value * 10) / 10);
  if (magnitude >= 0.0001) return String(Number(value.toPrecision(4)));
  return value.toExponential(2);
}

function groupThousands(value: number): string {
  const [whole = '', fraction] = String(Math.abs(value)).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** A signed difference: `+3`, `-0.012`, `0`. */
export function formatSignedNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (value === 0) return '0';
  return `${value > 0 ? '+' : ''}${formatNumber(value)}`;
}

/** A signed percentage with one decimal: `+12.5%`, `-3.0%`, `0.0%`. */
export function formatPct(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  const rounded = Math.round(value * 10) / 10;
  if (rounded === 0) return '0.0%';
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}%`;
}

/** Whole seconds, minutes or hours, for iteration durations. */
export function formatDuration(milliseconds: number | null): string {
  if (milliseconds === null || !Number.isFinite(milliseconds) || milliseconds < 0) return 'n/a';
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = milliseconds / 1000;
  if (seconds < 120) return `${Number(seconds.toFixed(1))} s`;
  const minutes = seconds / 60;
  if (minutes < 120) return `${Number(minutes.toFixed(1))} min`;
  return `${Number((minutes / 60).toFixed(1))} h`;
}

/** `2024-05-01 12:03:04 UTC`: one unambiguous form for every timestamp in a report. */
export function formatTimestamp(value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return typeof value === 'string' ? value : 'n/a';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function durationBetween(start: string | undefined, end: string | undefined): number | null {
  if (!start || !end) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) ? ms : null;
}
