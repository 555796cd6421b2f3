import { describe, expect, it } from 'vitest';
import { logChoose } from './log-gamma.js';
import { poissonRatesTest } from './poisson.js';
import { alphaSpentAtLook, alphaSpentThrough, binomialUpperTail, pairedMixtureEValue } from './sequential.js';

/** mulberry32, seeded: the simulations below draw the same numbers on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(mean: number, draw: () => number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let product = draw();
  while (product > limit) {
    k += 1;
    product *= draw();
  }
  return k;
}

describe('pairedMixtureEValue', () => {
  it('is 1 before any discordant pair', () => {
    expect(pairedMixtureEValue(0, 0)).toBe(1);
  });

  it('equals C(2n, n) / 2^n for n fixed and none broken under the Jeffreys prior', () => {
    // 2^n B(n + 1/2, 1/2) / B(1/2, 1/2) = 2^n C(2n, n) / 4^n
    expect(pairedMixtureEValue(7, 0, 0.5)).toBeCloseTo(3432 / 128, 10); // 26.8125
    expect(pairedMixtureEValue(6, 0, 0.5)).toBeCloseTo(924 / 64, 10); // 14.4375
    expect(pairedMixtureEValue(0, 7, 0.5)).toBeCloseTo(3432 / 128, 10);
    expect(pairedMixtureEValue(1, 1, 0.5)).toBeCloseTo(0.5, 12);
  });

  it('uses Beta(1/4, 1/4) by default: 6 fixed and none broken reach 221/11, over 20', () => {
    // 2^6 B(6 + 1/4, 1/4) / B(1/4, 1/4) = 64 * prod_{k=0..5} (k + 1/4) / (k + 1/2) = 221/11
    expect(pairedMixtureEValue(6, 0)).toBeCloseTo(221 / 11, 10);
    expect(pairedMixtureEValue(0, 7)).toBeCloseTo(425 / 11, 10);
    expect(pairedMixtureEValue(6, 1)).toBeCloseTo(17 / 11, 10);
    expect(pairedMixtureEValue(1, 1)).toBeCloseTo(1 / 3, 12);
    expect(pairedMixtureEValue(5, 0)).toBeLessThan(20);
  });

  it('equals 2^n / ((n + 1) C(n, f)) under the uniform prior', () => {
    expect(pairedMixtureEValue(8, 1, 1)).toBeCloseTo(512 / (10 * 9), 10);
    expect(pairedMixtureEValue(8, 0, 1)).toBeCloseTo(256 / 9, 10);
    const n = 40;
    const f = 31;
    expect(pairedMixtureEValue(f, n - f, 1)).toBeCloseTo(2 ** n / ((n + 1) * Math.exp(logChoose(n, f))), 6);
  });

  it('is a martingale under the null: the next pair leaves its mean unchanged', () => {
    for (const [f, b] of [
      [0, 0],
      [3, 1],
      [10, 2],
      [25, 30],
    ] as const) {
      const next = (pairedMixtureEValue(f + 1, b) + pairedMixtureEValue(f, b + 1)) / 2;
      expect(next).toBeCloseTo(pairedMixtureEValue(f, b), 8);
    }
  });

  it('rejects bad counts', () => {
    expect(() => pairedMixtureEValue(-1, 0)).toThrow(RangeError);
    expect(() => pairedMixtureEValue(1.5, 0)).toThrow(RangeError);
    expect(() => pairedMixtureEValue(1, 0, 0)).toThrow(RangeError);
  });

  it('keeps its error under optional stopping: peeking after every pair, at most alpha of null runs ever cross 1/alpha', () => {
    const draw = random(18);
    const runs = 4000;
    let crossed = 0;
    for (let run = 0; run < runs; run += 1) {
      let fixed = 0;
      let broken = 0;
      for (let pair = 0; pair < 200; pair += 1) {
        if (draw() < 0.5) fixed += 1;
        else broken += 1;
        if (pairedMixtureEValue(fixed, broken) >= 20) {
          crossed += 1;
          break;
        }
      }
    }
    // Ville: P(ever >= 20) <= 0.05, whatever the stopping rule.
    expect(crossed / runs).toBeLessThanOrEqual(0.05);
    expect(crossed).toBeGreaterThan(0);
  });
});

describe('alpha spending', () => {
  it('spends alpha * 6 / (pi^2 k^2) at look k', () => {
    expect(alphaSpentAtLook(0.05, 1)).toBeCloseTo(0.030396, 6);
    expect(alphaSpentAtLook(0.05, 2)).toBeCloseTo(0.0075991, 7);
    expect(alphaSpentAtLook(0.05, 4)).toBeCloseTo(0.0018998, 7);
  });

  it('never spends more than alpha, however many looks', () => {
    // (1 + 1/4 + 1/9 + 1/16) = 205/144 of alpha * 6 / pi^2
    expect(alphaSpentThrough(0.05, 4)).toBeCloseTo((0.05 * 6 * 205) / (144 * Math.PI * Math.PI), 12);
    expect(alphaSpentThrough(0.05, 10_000)).toBeLessThan(0.05);
    expect(alphaSpentThrough(0.05, 10_000)).toBeGreaterThan(0.04999);
  });

  it('rejects a look that is not a positive integer', () => {
    expect(() => alphaSpentAtLook(0.05, 0)).toThrow(RangeError);
    expect(() => alphaSpentAtLook(1, 1)).toThrow(RangeError);
  });

  it('keeps its error under optional stopping: a count test that widens its window up to 8 times', () => {
    const draw = random(2026);
    const runs = 3000;
    let rejected = 0;
    for (let run = 0; run < runs; run += 1) {
      const before = poisson(0.3 * 400, draw);
      let after = 0;
      let exposure = 0;
      for (let look = 1; look <= 8; look += 1) {
        after += poisson(0.3 * 40, draw);
        exposure += 40;
        if (poissonRatesTest(before, 400, after, exposure).pValue <= alphaSpentAtLook(0.05, look)) {
          rejected += 1;
          break;
        }
      }
    }
    expect(rejected / runs).toBeLessThanOrEqual(0.05);
  });
});

describe('binomialUpperTail', () => {
  it('matches exact sums', () => {
    expect(binomialUpperTail(3, 3, 0.5)).toBeCloseTo(0.125, 12);
    expect(binomialUpperTail(2, 4, 0.5)).toBeCloseTo(11 / 16, 12);
    expect(binomialUpperTail(0, 5, 0.3)).toBe(1);
    expect(binomialUpperTail(5, 5, 0.1)).toBeCloseTo(1e-5, 15);
  });
});
