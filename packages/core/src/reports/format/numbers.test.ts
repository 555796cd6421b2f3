import { describe, expect, it } from 'vitest';
import { formatDuration, formatNumber, formatPct, formatSignedNumber, formatTimestamp } from './numbers.js';

describe('report number formatting', () => {
  it('groups thousands in counts and keeps four significant digits in rates', () => {
    expect(formatNumber(18420)).toBe('18,420');
    expect(formatNumber(-1032)).toBe('-1,032');
    expect(formatNumber(0.13250001)).toBe('0.1325');
    expect(formatNumber(0)).toBe('0');
  });

  it('writes n/a only for a value that is genuinely missing', () => {
    expect(formatNumber(null)).toBe('n/a');
    expect(formatNumber(undefined)).toBe('n/a');
    expect(formatNumber(Number.NaN)).toBe('n/a');
    expect(formatPct(null)).toBe('n/a');
  });

  it('signs changes and percentages so that direction is readable', () => {
    expect(formatSignedNumber(2)).toBe('+2');
    expect(formatSignedNumber(-0.2675)).toBe('-0.2675');
    expect(formatSignedNumber(0)).toBe('0');
    expect(formatPct(66.875)).toBe('+66.9%');
    expect(formatPct(-5.6)).toBe('-5.6%');
    expect(formatPct(0.01)).toBe('0.0%');
  });

  it('writes very small rates without losing them to rounding', () => {
    expect(formatNumber(0.00001234)).toBe('1.23e-5');
  });

  it('writes durations and timestamps in one unambiguous form', () => {
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(110_000)).toBe('110 s');
    expect(formatDuration(270_000)).toBe('4.5 min');
    expect(formatDuration(null)).toBe('n/a');
    expect(formatTimestamp('2024-05-01T10:12:00.000Z')).toBe('2024-05-01 10:12:00 UTC');
    expect(formatTimestamp('not a date')).toBe('not a date');
  });
});
