import { describe, expect, it } from 'vitest';
import { RatchetError } from '../errors/ratchet-error.js';
import { brokenEnvironment } from './environment.js';

describe('brokenEnvironment', () => {
  it('finds a failed restart or health check through the wrapping error', () => {
    const restart = new RatchetError('RESTART_FAILED', 'restart command failed: exit 1');
    const wrapped = new RatchetError('ACTION_FAILED', 'fix x failed', { cause: restart });
    expect(brokenEnvironment(wrapped)).toBe('restart command failed: exit 1');
    expect(brokenEnvironment(new RatchetError('HEALTH_CHECK_FAILED', 'not healthy'))).toBe('not healthy');
  });

  it('finds a rejected token by the HTTP status a phase kept in the details', () => {
    const rejected = new RatchetError(
      'MEASUREMENT_FAILED',
      'the server rejected the token (401 Unauthorized)',
      {
        details: { status: 401 },
      },
    );
    expect(brokenEnvironment(rejected)).toContain('401');
  });

  it('leaves a fix that failed on its own alone', () => {
    expect(brokenEnvironment(new RatchetError('ACTION_FAILED', 'json-set: no such key'))).toBeUndefined();
    expect(
      brokenEnvironment(new RatchetError('HTTP_ERROR', 'not found', { details: { status: 404 } })),
    ).toBeUndefined();
    expect(brokenEnvironment(new Error('plain'))).toBeUndefined();
  });
});
