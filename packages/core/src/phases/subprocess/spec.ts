import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { RatchetError } from '../../errors/ratchet-error.js';
import { parseDuration } from './duration.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_KILL_GRACE_MS = 5_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

const DurationSchema = z.union([z.number(), z.string()]);

/** A phase given as `{ command: [...] }` in the config. */
export const SubprocessPhaseSpecSchema = z.object({
  command: z
    .array(z.string())
    .min(1, 'give the program and its arguments, e.g. ["python3", "phase.py", "{input}", "{output}"]')
    .refine((argv) => (argv[0] ?? '') !== '', 'the program (first element) is empty'),
  timeout: DurationSchema.optional().describe("Milliseconds, or '30s', '5m', '1h'; default 10 minutes"),
  killGrace: DurationSchema.optional().describe('How long SIGTERM may take before SIGKILL; default 5s'),
  env: z.record(z.string(), z.string()).optional().describe('Added to the environment Ratchet runs in'),
  cwd: z.string().min(1).optional().describe('Working folder; relative to the config folder; default it'),
  with: z.record(z.string(), z.unknown()).optional().describe('Passed to the command as `options`'),
  maxOutputBytes: z.number().int().positive().optional().describe('Largest accepted result; default 64 MiB'),
});
export type SubprocessPhaseSpec = z.input<typeof SubprocessPhaseSpecSchema>;

export interface ResolvedSubprocessSpec {
  /** The program: as given, or resolved against the config folder when it starts with ./ or ../ */
  program: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  options: Record<string, unknown>;
  timeoutMs: number;
  killGraceMs: number;
  maxOutputBytes: number;
  /** True when the command names `{output}`: the result is read from that file, not stdout. */
  resultInFile: boolean;
  /** A short name for messages: the program and script names only, never other arguments. */
  displayName: string;
}

export function resolveSubprocessSpec(
  kind: string,
  spec: unknown,
  configDir: string,
): ResolvedSubprocessSpec {
  const parsed = SubprocessPhaseSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue && issue.path.length > 0 ? issue.path.join('.') : '(the phase entry)';
    throw new RatchetError(
      'PHASE_OPTIONS_INVALID',
      `phases.${kind}: ${path}: ${issue?.message ?? 'invalid'}\n${z.prettifyError(parsed.error)}`,
      { hint: 'A command phase is { command: [program, ...args], timeout?, env?, cwd?, with? }.' },
    );
  }
  const { command, timeout, killGrace, env, cwd, maxOutputBytes } = parsed.data;
  const [program, ...args] = command as [string, ...string[]];
  const isRelativePath = program.startsWith('./') || program.startsWith('../');
  return {
    program: isRelativePath ? resolve(configDir, program) : program,
    args,
    cwd: cwd === undefined ? configDir : isAbsolute(cwd) ? cwd : resolve(configDir, cwd),
    env: env ?? {},
    options: parsed.data.with ?? {},
    timeoutMs: timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeout, `phases.${kind}.timeout`),
    killGraceMs:
      killGrace === undefined ? DEFAULT_KILL_GRACE_MS : parseDuration(killGrace, `phases.${kind}.killGrace`),
    maxOutputBytes: maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    resultInFile: args.some((arg) => arg.includes('{output}')),
    displayName: displayNameOf(program, args),
  };
}

const SCRIPT_EXTENSION = /\.(py|sh|bash|js|mjs|cjs|ts|mts|rb|pl|php|R|jl|lua|ps1)$/;

function displayNameOf(program: string, args: string[]): string {
  const base = (path: string) => path.split(/[\\/]/).pop() ?? path;
  const script = args.find((arg) => SCRIPT_EXTENSION.test(arg) && !arg.startsWith('-'));
  return script === undefined ? base(program) : `${base(program)} ${base(script)}`;
}
