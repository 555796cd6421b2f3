import { describe, expect, it } from 'vitest';
import { binomialTest } from './binomial-test.js';
import { exactMcNemarTest } from './mcnemar.js';

describe('exactMcNemarTest', () => {
  it('gives p = 2 * (1 + 8) / 256 = 0.0703 for 1 item fixed against 7 newly broken', () => {
    const result = exactMcNemarTest(1, 7);
    expect(result.pValue).toBeCloseTo(18 / 256, 12);
    expect(result).toMatchObject({ fixed: 1, broken: 7 });
  });

  it('gives p = 2 / 64 = 0.03125 when 6 items are fixed and none broke', () => {
    expect(exactMcNemarTest(6, 0).pValue).toBeCloseTo(0.03125, 12);
  });

  it('gives p = 1 when nothing changed', () => {
    expect(exactMcNemarTest(0, 0).pValue).toBe(1);
    expect(exactMcNemarTest(3, 3).pValue).toBeCloseTo(1, 12);
  });
});

describe('binomialTest', () => {
  it('matches a hand-computed asymmetric case: 9 of 10 at p = 0.5 gives 22 / 1024', () => {
    expect(binomialTest(9, 10).pValue).toBeCloseTo(22 / 1024, 12);
  });

  it('refuses more successes than trials', () => {
    expect(() => binomialTest(5, 4)).toThrow(/exceed trials/);
  });
});
