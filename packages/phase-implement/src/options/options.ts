import { isAbsolute, resolve } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { z } from 'zod';

export const RestartOptionsSchema = z.strictObject({
  command: z.array(z.string().min(1)).min(1, 'must hold at least the program name'),
  healthUrl: z.url().optional(),
  healthCommand: z.array(z.string().min(1)).min(1).optional(),
  /** How long to wait for the server to become healthy after the command. */
  timeoutMs: z.number().int().positive().default(60_000),
  /** How long the restart command itself may run. */
  commandTimeoutMs: z.number().int().positive().default(120_000),
  intervalMs: z.number().int().positive().default(1_000),
});

export const ImplementOptionsSchema = z.strictObject({
  roots: z.array(z.string().min(1)).min(1, 'must list at least one folder the fixes may change'),
  baseDir: z.string().min(1).optional(),
  restart: RestartOptionsSchema.optional(),
  approve: z.boolean().default(false),
  /** The Plex token for the health URL; PLEX_TOKEN from the environment when absent. */
  token: z.string().min(1).optional(),
  /**
   * `command` actions (which can do anything their argv says) run only when allowed, with a
   * minimal environment: PATH, LANG and exactly the variables listed in `env`.
   */
  commands: z
    .strictObject({
      allow: z.boolean().default(false),
      env: z.record(z.string(), z.string()).default({}),
    })
    .default({ allow: false, env: {} }),
});

export type ImplementOptionsInput = z.input<typeof ImplementOptionsSchema>;

export interface ResolvedImplementOptions {
  roots: string[];
  baseDir: string;
  restart?: z.infer<typeof RestartOptionsSchema>;
  approve: boolean;
  token?: string;
  commands: { allow: boolean; env: Record<string, string> };
}

/** Validates the `with:` object and resolves relative paths against the config's folder. */
export function parseImplementOptions(raw: unknown, configDir: string): ResolvedImplementOptions {
  const parsed = ImplementOptionsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? issue.path.join('.') : '(options)';
    throw new RatchetError('PHASE_OPTIONS_INVALID', `implement: ${path}: ${issue?.message ?? 'invalid'}`, {
      hint: 'See docs/implement.md for the options of @ratchet/phase-implement.',
    });
  }
  const options = parsed.data;
  const absolute = (path: string) => (isAbsolute(path) ? resolve(path) : resolve(configDir, path));
  const roots = options.roots.map(absolute);
  const token = options.token ?? process.env.PLEX_TOKEN;
  return {
    roots,
    baseDir: options.baseDir ? absolute(options.baseDir) : (roots[0] as string),
    approve: options.approve,
    commands: options.commands,
    ...(options.restart ? { restart: options.restart } : {}),
    ...(token ? { token } : {}),
  };
}
