import { escapeControl } from '@ratchet/core';
import { EXIT } from '../exit-codes.js';

/** Prints an error the way users should see it and sets the exit code; never a raw stack. */
export function failWith(error: unknown): void {
  const e = error as {
    code?: string;
    message?: string;
    hint?: string;
    isUsageError?: boolean;
    name?: string;
  };
  const isRatchet = e?.name === 'RatchetError';
  const message = isRatchet ? `ratchet: ${e.code}: ${e.message}` : `ratchet: ${e?.message ?? String(error)}`;
  process.stderr.write(`${escapeControl(message)}\n`);
  if (isRatchet && e.hint) process.stderr.write(`  hint: ${escapeControl(e.hint)}\n`);
  if (!isRatchet && process.env.RATCHET_DEBUG && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  process.exitCode = isRatchet && e.isUsageError ? EXIT.usage : EXIT.failed;
}
