import { RatchetError } from '../errors/ratchet-error.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a config, in memory only: the
 * resolved values (a Plex token, say) must never be written to a file, so the run keeps the
 * config as given for its state and reports, and uses this copy only to build the phases.
 */
export function resolveEnv<T>(value: T, env: NodeJS.ProcessEnv = process.env, path: string[] = []): T {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_whole, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new RatchetError(
        'ENV_MISSING',
        `${path.join('.') || '(root)'}: environment variable ${name} is not set`,
        {
          hint: `set ${name}, or write \${${name}:-default} in the config`,
        },
      );
    }) as T;
  }
  if (Array.isArray(value))
    return value.map((item, index) => resolveEnv(item, env, [...path, String(index)])) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveEnv(item, env, [...path, key])]),
    ) as T;
  }
  return value;
}

/** The names of the environment variables a config refers to (for `ratchet validate`). */
export function envReferences(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const match of value.matchAll(REFERENCE)) found.add(match[1] as string);
  } else if (Array.isArray(value)) {
    for (const item of value) envReferences(item, found);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) envReferences(item, found);
  }
  return found;
}
