import { z } from 'zod';

// The fix action vocabulary (docs/design/integration.md, "Fix actions"): the diagnose phase proposes
// these, the implement phase applies them. One definition, so the two can never drift apart. Core
// itself accepts any `{type}` (FixActionSchema); a custom implement phase may know other types.

const path = z.string().min(1, 'must be a non-empty path');
const argv = z.array(z.string()).min(1, 'must hold at least the program name');

export const EditActionSchema = z.strictObject({
  type: z.literal('edit'),
  file: path,
  search: z.string().min(1, 'must not be empty'),
  replace: z.string(),
  count: z.number().int().positive().default(1),
  regex: z.boolean().default(false),
  flags: z
    .string()
    .regex(/^[imsu]*$/, 'may only hold the regex flags i, m, s, u')
    .optional(),
});

export const PatchActionSchema = z.strictObject({
  type: z.literal('patch'),
  file: path,
  diff: z.string().min(1),
});

export const SetPrefActionSchema = z.strictObject({
  type: z.literal('set-pref'),
  /** Checked as a path when the fix is planned: one that leaves the Preferences folder is refused. */
  bundleId: z.string().min(1, 'must be a bundle id such as com.plexapp.agents.x'),
  key: z.string().regex(/^[A-Za-z_][A-Za-z0-9._-]*$/, 'must be a valid XML element name'),
  value: z.union([z.string(), z.number(), z.boolean()]).transform(String),
});

export const JsonSetActionSchema = z.strictObject({
  type: z.literal('json-set'),
  file: path,
  path: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  value: z.json(),
});

export const DeleteActionSchema = z.strictObject({ type: z.literal('delete'), path });

export const CommandActionSchema = z.strictObject({
  type: z.literal('command'),
  argv,
  undo: argv.optional(),
  cwd: path.optional(),
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

export type EditAction = z.infer<typeof EditActionSchema>;
export type PatchAction = z.infer<typeof PatchActionSchema>;
export type SetPrefAction = z.infer<typeof SetPrefActionSchema>;
export type JsonSetAction = z.infer<typeof JsonSetActionSchema>;
export type DeleteAction = z.infer<typeof DeleteActionSchema>;
export type CommandAction = z.infer<typeof CommandActionSchema>;
export type RestartAction = z.infer<typeof RestartActionSchema>;
export type KnownAction = z.infer<typeof KnownActionSchema>;

export const ACTION_TYPES = KnownActionSchema.options.map((option) => option.shape.type.value);
