import type { RateSummary } from './judge.js';

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (value === 0) return '0';
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(1);
  if (Math.abs(value) >= 0.001) return value.toPrecision(3);
  return value.toExponential(2);
}

export function formatPValue(value: number): string {
  return value < 0.001 ? value.toExponential(2) : value.toFixed(3);
}

export function formatRate(rate: RateSummary): string {
  const counts = rate.denominator === null ? `${rate.numerator}` : `${rate.numerator}/${rate.denominator}`;
  const interval = rate.wilson
    ? { ...rate.wilson, name: 'Wilson' }
    : rate.garwood
      ? { ...rate.garwood, name: 'Garwood' }
      : null;
  const ci = interval
    ? ` [95% ${interval.name} ${formatNumber(interval.low)}-${formatNumber(interval.high)}]`
    : '';
  return `${formatNumber(rate.value)} (${counts})${ci}`;
}

/** E-values grow without bound: past a million the digits say nothing more. */
export function formatEValue(value: number): string {
  return value >= 1e6 ? value.toExponential(2) : formatNumber(value);
}
