/**
 * Every error a user may see carries a stable code (for scripts and docs) and a hint that says
 * what to do. Phases throw it too; the CLI prints `code`, message and hint, and maps the exit code.
 */
export type ErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'CONFIG_LOAD_FAILED'
  | 'ENV_MISSING'
  | 'ENVIRONMENT_INVALID'
  | 'PHASE_RESOLVE_FAILED'
  | 'PHASE_INVALID_OUTPUT'
  | 'PHASE_FAILED'
  | 'PHASE_OPTIONS_INVALID'
  | 'SUBPROCESS_EXIT'
  | 'SUBPROCESS_TIMEOUT'
  | 'SUBPROCESS_BAD_JSON'
  | 'SUBPROCESS_SPAWN'
  | 'STATE_LOCKED'
  | 'STATE_NOT_FOUND'
  | 'STATE_INVALID'
  | 'STATE_VERSION'
  | 'RUN_UNFINISHED'
  | 'RUN_ABANDONED'
  | 'MEASUREMENT_FAILED'
  | 'INPUT_INVALID'
  | 'ACTION_REFUSED'
  | 'ACTION_FAILED'
  | 'ROLLBACK_FAILED'
  | 'HTTP_ERROR'
  | 'CROSS_ORIGIN_REDIRECT'
  | 'RESTART_FAILED'
  | 'HEALTH_CHECK_FAILED'
  | 'ENVIRONMENT_BROKEN'
  | 'APPROVAL_NEEDS_TERMINAL'
  | 'USAGE'
  | 'INTERRUPTED';

/** Errors whose cause is the user's input or config: the CLI exits with code 2 for these. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set([
  'CONFIG_NOT_FOUND',
  'CONFIG_INVALID',
  'CONFIG_LOAD_FAILED',
  'ENV_MISSING',
  'ENVIRONMENT_INVALID',
  'PHASE_RESOLVE_FAILED',
  'PHASE_OPTIONS_INVALID',
  'INPUT_INVALID',
  'STATE_NOT_FOUND',
  'APPROVAL_NEEDS_TERMINAL',
  'USAGE',
]);

export class RatchetError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RatchetError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get isUsageError(): boolean {
    return USAGE_CODES.has(this.code);
  }
}

export function isRatchetError(error: unknown): error is RatchetError {
  return error instanceof RatchetError;
}

/** A one-paragraph description of any thrown value, for logs and reports. */
export function describeError(error: unknown): string {
  if (error instanceof RatchetError) {
    return `${error.code}: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
