import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson.js';

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
