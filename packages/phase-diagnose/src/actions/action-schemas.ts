import { z } from 'zod';

// The action vocabulary of docs/design/integration.md ("Fix actions"). Diagnose only proposes
// actions; the implement phase confines their targets to its roots when it applies them.
const nonEmpty = z.string().min(1, 'must not be empty');

export const EditActionSchema = z.strictObject({
  type: z.literal('edit'),
  file: nonEmpty,
  search: nonEmpty,
  replace: z.string(),
  count: z.number().int().positive().optional(),
  regex: z.boolean().optional(),
});

export const PatchActionSchema = z.strictObject({ type: z.literal('patch'), file: nonEmpty, diff: nonEmpty });

export const SetPrefActionSchema = z.strictObject({
  type: z.literal('set-pref'),
  bundleId: nonEmpty,
  key: nonEmpty,
  value: z.string(),
});

const JsonValueSchema: z.ZodType<unknown> = z.json();

export const JsonSetActionSchema = z.strictObject({
  type: z.literal('json-set'),
  file: nonEmpty,
  path: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
  value: JsonValueSchema,
});

export const DeleteActionSchema = z.strictObject({ type: z.literal('delete'), path: nonEmpty });

export const CommandActionSchema = z.strictObject({
  type: z.literal('command'),
  argv: z.array(z.string()).min(1, 'needs at least the program'),
  undo: z.array(z.string()).min(1).optional(),
  cwd: nonEmpty.optional(),
  timeoutMs: z.number().int().positive().optional(),
});

export const RestartActionSchema = z.strictObject({ type: z.literal('restart') });

export const KnownActionSchema = z.discriminatedUnion('type', [
  EditActionSchema,
  PatchActionSchema,
  SetPrefActionSchema,
  JsonSetActionSchema,
  DeleteActionSchema,
  CommandActionSchema,
  RestartActionSchema,
]);
export type KnownAction = z.infer<typeof KnownActionSchema>;

export const ACTION_TYPES = [
  'edit',
  'patch',
  'set-pref',
  'json-set',
  'delete',
  'command',
  'restart',
] as const;
