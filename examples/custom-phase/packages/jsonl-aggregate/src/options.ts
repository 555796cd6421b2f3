import { RatchetError } from '@ratchet/core';
import { z } from 'zod';

export const JsonLinesOptionsSchema = z.strictObject({
  /** Files or folders (every `*.jsonl` in them), relative to the config's folder. */
  logs: z.array(z.string().min(1)).min(1),
  /** Levels that count as errors. */
  errorLevels: z.array(z.string().min(1)).default(['error']),
  /** The field that names the item a line is about (a record id): gives per-item outcomes. */
  itemField: z.string().min(1).default('record'),
  /** The field whose value groups error lines into error types. */
  groupBy: z.string().min(1).default('reason'),
  /** Category given to every error type (diagnose rules can match on it). */
  category: z.string().min(1).default('rejected'),
});
export type JsonLinesOptions = z.infer<typeof JsonLinesOptionsSchema>;

/** Validates the phase's `with:` object; the error names the key, as the integration contract asks. */
export function parseJsonLinesOptions(raw: unknown): JsonLinesOptions {
  const parsed = JsonLinesOptionsSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.length ? issue.path.join('.') : '(options)'}: ${issue.message}`,
  );
  throw new RatchetError('PHASE_OPTIONS_INVALID', `jsonl-aggregate: ${problems.join('; ')}`, {
    hint: 'see examples/custom-phase/README or docs/examples.md for the options',
  });
}
