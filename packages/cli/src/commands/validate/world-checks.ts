import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { describeError, type LoadedConfig } from '@ratchet/core';
import { PlexClient, plexErrorStatus, resolvePlexToken } from '@ratchet/plex';

/** One thing `validate` found wrong in the world around the config, and what to do about it. */
export interface WorldProblem {
  key: string;
  message: string;
}

export interface EnvironmentUse {
  name: string;
  set: boolean;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g;

/**
 * Every `${NAME}` the config refers to, and whether it is set. A reference without a default is
 * already refused by loadConfig when unset; one with a default is reported as unset, not as used.
 */
export function environmentUses(config: unknown, env: NodeJS.ProcessEnv = process.env): EnvironmentUse[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string')
      for (const match of value.matchAll(REFERENCE)) names.add(match[1] as string);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(config);
  return [...names].map((name) => ({ name, set: env[name] !== undefined && env[name] !== '' }));
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `program` would be found: a path (relative to `cwd`), or a name looked up on PATH. */
export function findProgram(
  program: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (program.includes('/') || program.includes('\\') || isAbsolute(program)) {
    const path = resolve(cwd, program);
    return isExecutable(path) ? path : undefined;
  }
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const extension of extensions) {
      const path = join(dir, program + extension);
      if (isExecutable(path)) return path;
    }
  }
  return undefined;
}

type Options = Record<string, unknown>;
const withOf = (ref: unknown): Options | undefined =>
  ref && typeof ref === 'object' && 'use' in ref ? ((ref as { with?: Options }).with ?? {}) : undefined;

/** The implement phase's restart command must exist: a fix would otherwise fail at its restart. */
export function checkRestartCommand(loaded: LoadedConfig): WorldProblem[] {
  const restart = withOf(loaded.resolved.phases.implement)?.restart as { command?: string[] } | undefined;
  const program = restart?.command?.[0];
  if (program === undefined) return [];
  if (findProgram(program, loaded.configDir)) return [];
  return [
    {
      key: 'phases.implement.with.restart.command',
      message: `'${program}' is not an executable file or on PATH: give the command that restarts your server${program === 'systemctl' ? ' (there is no systemctl here: no systemd, a container?)' : ''}`,
    },
  ];
}

/**
 * A Plex refresh needs the server to answer and to accept the token: `/identity` (no token) shows
 * it is up, `/library/sections` with the token shows the token is right. A wrong token would
 * otherwise make every test refresh fail with 401.
 */
export async function checkPlexServer(
  loaded: LoadedConfig,
): Promise<{ problems: WorldProblem[]; checked?: string }> {
  const refresh = withOf(loaded.resolved.phases.test)?.refresh as
    | { kind?: string; url?: string; token?: string; preferences?: string }
    | undefined;
  if (refresh?.kind !== 'plex' || typeof refresh.url !== 'string') return { problems: [] };
  const key = 'phases.test.with.refresh';
  let token: string | undefined;
  try {
    token = resolvePlexToken({
      ...(refresh.token ? { token: refresh.token } : {}),
      ...(refresh.preferences ? { preferences: resolve(loaded.configDir, refresh.preferences) } : {}),
    });
  } catch (error) {
    return { problems: [{ key: `${key}.preferences`, message: describeError(error) }] };
  }
  if (!token)
    return {
      problems: [
        {
          key: `${key}.token`,
          message:
            "no token: set PLEX_TOKEN (your account token), or name the server's Preferences.xml in `preferences`",
        },
      ],
    };
  let client: PlexClient;
  try {
    client = new PlexClient({ url: refresh.url, token, retries: 0, timeoutMs: 10_000 });
  } catch (error) {
    return { problems: [{ key: `${key}.url`, message: describeError(error) }] };
  }
  try {
    await client.identity();
  } catch (error) {
    return {
      problems: [
        {
          key: `${key}.url`,
          message: `the server at ${refresh.url} does not answer /identity: ${describeError(error)}`,
        },
      ],
    };
  }
  try {
    await client.sections();
  } catch (error) {
    const status = plexErrorStatus(error);
    const message =
      status === 401 || status === 403
        ? `the server at ${refresh.url} rejects the token (${status}): set PLEX_TOKEN to a token of the server's owner or an admin`
        : `the server at ${refresh.url} answered /identity but not /library/sections: ${describeError(error)}`;
    return { problems: [{ key: `${key}.token`, message }] };
  }
  return { problems: [], checked: `${refresh.url} answers /identity and accepts the token` };
}
