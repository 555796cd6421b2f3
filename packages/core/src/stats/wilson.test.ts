import { describe, expect, it } from 'vitest';
import { wilsonInterval, wilsonRate } from './wilson.js';

describe('wilsonInterval', () => {
  it('matches the textbook 95% interval for 8 of 20', () => {
    const { low, high } = wilsonInterval(8, 20);
    expect(low).toBeCloseTo(0.2188, 3);
    expect(high).toBeCloseTo(0.6134, 3);
  });

  it('stays inside [0, 1] at the edges', () => {
    expect(wilsonInterval(0, 20).low).toBe(0);
    expect(wilsonInterval(20, 20).high).toBe(1);
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('wilsonRate', () => {
  it('carries the proportion, its counts and its interval', () => {
    const rate = wilsonRate(3, 20);
    expect(rate).toMatchObject({ value: 0.15, numerator: 3, denominator: 20 });
    expect(rate.low).toBeCloseTo(0.0524, 3);
    expect(rate.high).toBeCloseTo(0.3604, 3);
  });
});
