import { describe, expect, it } from 'vitest';
import { RatchetError } from '../../errors/ratchet-error.js';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('Reads numbers as milliseconds and strings with ms, s, m, h or d units', () => {
    expect(parseDuration(1500, 't')).toBe(1500);
    expect(parseDuration('250', 't')).toBe(250);
    expect(parseDuration('500ms', 't')).toBe(500);
    expect(parseDuration('30s', 't')).toBe(30_000);
    expect(parseDuration('5m', 't')).toBe(300_000);
    expect(parseDuration('1.5h', 't')).toBe(5_400_000);
    expect(parseDuration('1d', 't')).toBe(86_400_000);
    expect(parseDuration(' 2 m ', 't')).toBe(120_000);
  });

  it('Refuses zero, negative, non-finite and unknown units with PHASE_OPTIONS_INVALID naming the setting', () => {
    for (const bad of [
      0,
      -5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '',
      '5 minutes',
      '10w',
      'soon',
      '-3s',
      '0s',
    ]) {
      let thrown: unknown;
      try {
        parseDuration(bad, 'phases.test.timeout');
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(bad)).toBeInstanceOf(RatchetError);
      expect((thrown as RatchetError).code).toBe('PHASE_OPTIONS_INVALID');
      expect((thrown as RatchetError).message).toMatch(
        /^phases\.test\.timeout: .* is not a positive duration$/,
      );
    }
  });
});
