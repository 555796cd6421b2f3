import { RatchetError } from '../errors/ratchet-error.js';

/** Error codes that say the system under test is broken, not the fix: another fix would fail the same way. */
const ENVIRONMENT_CODES = new Set(['RESTART_FAILED', 'HEALTH_CHECK_FAILED', 'AUTH_REJECTED']);

/**
 * Why an error means the environment is broken (a restart or health check failed, the server
 * rejected the token), or undefined. Looks through the error's causes: a phase wraps what it met.
 */
export function brokenEnvironment(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current; depth += 1) {
    if (current instanceof RatchetError) {
      if (ENVIRONMENT_CODES.has(current.code)) return current.message;
      const status = current.details?.status;
      // An HTTP status kept in the details (a phase may rewrap the client's error under its own code).
      if (status === 401 || status === 403) return current.message;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The run stops here: trying the next fix in a broken environment only repeats the failure. */
export function environmentError(where: string, reason: string, restored: boolean): RatchetError {
  return new RatchetError(
    'ENVIRONMENT_BROKEN',
    `${where}: ${reason}; the run stopped${restored ? ' (every file of the fix was restored)' : ' (nothing was changed)'}`,
    {
      hint: 'fix the restart command, the health check or the token (`ratchet validate` checks them), then `ratchet resume`',
    },
  );
}
