import { execa } from 'execa';

export interface CommandOutcome {
  exitCode: number | undefined;
  output: string;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

function tail(text: string, lines = 12): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The environment of a fix's command: a PATH and a locale, plus what the config passes. */
export function minimalEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

/** Runs an argv without a shell; a non-zero exit, a timeout or a spawn failure throws with the output's tail. */
export async function runArgv(
  argv: readonly string[],
  options: { cwd?: string; timeoutMs?: number; signal?: AbortSignal; env?: Record<string, string> },
): Promise<CommandOutcome> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty argv');
  const result = await execa(file, args, {
    cwd: options.cwd,
    // Only what the caller passes: a command never inherits PLEX_TOKEN or other secrets.
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
    timeout: options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    cancelSignal: options.signal,
    stdin: 'ignore',
    all: true,
    reject: false,
    shell: false,
    forceKillAfterDelay: 2_000,
  });
  const output = tail(result.all ?? '');
  if (result.timedOut)
    throw new Error(
      `'${file}' timed out after ${options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS} ms${output ? `:\n${output}` : ''}`,
    );
  if (result.failed) {
    const why = result.exitCode !== undefined ? `exited with code ${result.exitCode}` : result.shortMessage;
    throw new Error(`'${file}' ${why}${output ? `:\n${output}` : ''}`);
  }
  return { exitCode: result.exitCode, output };
}
