import { isAbsolute, resolve } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { z } from 'zod';

export const AggregateOptionsSchema = z
  .object({
    preset: z.enum(['plex', 'generic']).default('plex'),
    logs: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    since: z.string().min(1).optional(),
    until: z.string().min(1).optional(),
    agents: z.array(z.string().min(1)).optional(),
    rules: z.array(z.string().min(1)).optional(),
    lineFormat: z.string().min(1).optional(),
    metrics: z
      .array(
        z.object({
          name: z.string().min(1),
          message: z.string().min(1),
          levels: z.array(z.string()).optional(),
          failure: z.boolean().optional(),
        }),
      )
      .optional(),
    includeServerLog: z.boolean().optional(),
    maxLineChars: z.number().int().positive().optional(),
  })
  .strict();
export type AggregateOptions = z.infer<typeof AggregateOptionsSchema>;

/** Validates the config's `with:` object; relative paths are resolved against `configDir`. */
export function parseAggregateOptions(options: unknown, configDir: string): AggregateOptions {
  const parsed = AggregateOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(options)';
    throw new RatchetError('PHASE_OPTIONS_INVALID', `aggregate: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  const value = parsed.data;
  if (value.preset === 'generic' && value.lineFormat === undefined) {
    throw new RatchetError(
      'PHASE_OPTIONS_INVALID',
      'aggregate: lineFormat: the generic preset needs a line-format regex',
      {
        hint: 'give a JavaScript regular expression with a named group (?<message>...), and optionally (?<ts>...) and (?<level>...)',
      },
    );
  }
  const toAbsolute = (path: string): string => (isAbsolute(path) ? path : resolve(configDir, path));
  if (value.logs !== undefined)
    value.logs = (Array.isArray(value.logs) ? value.logs : [value.logs]).map(toAbsolute);
  if (value.rules !== undefined) value.rules = value.rules.map(toAbsolute);
  return value;
}
