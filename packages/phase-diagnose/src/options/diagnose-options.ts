import { isAbsolute, resolve } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { z } from 'zod';
import { DEFAULT_THRESHOLDS } from '../ranking/rank-fixes.js';

export const DiagnoseOptionsSchema = z.strictObject({
  rules: z
    .array(z.string().min(1))
    .default([])
    .describe('Extra YAML/JSON rule files, relative to the config'),
  builtin: z.boolean().default(true).describe('Use the built-in Plex knowledge base'),
  thresholds: z
    .strictObject({ high: z.number().min(0).max(1), medium: z.number().min(0).max(1) })
    .refine((value) => value.medium <= value.high, { message: 'medium must not be above high' })
    .default(DEFAULT_THRESHOLDS),
  external: z
    .strictObject({
      command: z.array(z.string()).min(1, 'needs at least the program'),
      timeoutMs: z.number().int().positive().optional(),
      required: z.boolean().default(false).describe('Fail the phase when the external diagnoser fails'),
    })
    .optional(),
});
export type DiagnoseOptionsInput = z.input<typeof DiagnoseOptionsSchema>;
export type DiagnoseOptions = z.output<typeof DiagnoseOptionsSchema>;

export function parseDiagnoseOptions(options: unknown, configDir: string): DiagnoseOptions {
  const parsed = DiagnoseOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') || '(options)';
    const message =
      issue?.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue?.message;
    throw new RatchetError('PHASE_OPTIONS_INVALID', `diagnose: ${path}: ${message}`, {
      hint: 'Options are { rules?, builtin?, thresholds?: { high, medium }, external?: { command, timeoutMs? } }.',
    });
  }
  const data = parsed.data;
  return { ...data, rules: data.rules.map((file) => (isAbsolute(file) ? file : resolve(configDir, file))) };
}
