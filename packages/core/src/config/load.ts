import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { createJiti } from 'jiti';
import { RatchetError } from '../errors/ratchet-error.js';
import { secretRedactor } from '../security/redact.js';
import { resolveEnv } from './env.js';
import { type RatchetConfig, RatchetConfigSchema } from './schema.js';
import { refuseTodos } from './todos.js';

export const CONFIG_SEARCH_PLACES = [
  'package.json',
  '.ratchetrc',
  '.ratchetrc.json',
  '.ratchetrc.yaml',
  '.ratchetrc.yml',
  '.ratchetrc.js',
  '.ratchetrc.mjs',
  '.ratchetrc.ts',
  'ratchet.config.ts',
  'ratchet.config.mts',
  'ratchet.config.mjs',
  'ratchet.config.js',
  'ratchet.config.cjs',
  'ratchet.config.json',
  'ratchet.config.yaml',
  'ratchet.config.yml',
];

export interface LoadedConfig {
  /** Validated, defaults applied, `${ENV}` references kept as written: safe to store. */
  config: RatchetConfig;
  /** The same with `${ENV}` resolved: for building phases only, never written anywhere. */
  resolved: RatchetConfig;
  filepath: string;
  configDir: string;
}

// jiti compiles TypeScript configs on the fly, so `ratchet.config.ts` works without a build step.
const loadWithJiti: Loader = async (filepath) => {
  const jiti = createJiti(import.meta.url, { interopDefault: true, moduleCache: false });
  return jiti.import(filepath, { default: true });
};

function explorer() {
  return cosmiconfig('ratchet', {
    searchPlaces: CONFIG_SEARCH_PLACES,
    searchStrategy: 'global',
    loaders: { '.ts': loadWithJiti, '.mts': loadWithJiti, '.mjs': loadWithJiti, '.js': loadWithJiti },
  });
}

/** Finds (or reads the given) config, validates it, and resolves `${ENV}` in a separate copy. */
export async function loadConfig(
  options: { configPath?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  let result: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    if (options.configPath) {
      const filepath = resolve(cwd, options.configPath);
      if (!existsSync(filepath) || statSync(filepath).isDirectory()) {
        throw new RatchetError('CONFIG_NOT_FOUND', `config file ${filepath} does not exist`);
      }
      result = await explorer().load(filepath);
    } else {
      result = await explorer().search(cwd);
    }
  } catch (error) {
    if (error instanceof RatchetError) throw error;
    throw new RatchetError('CONFIG_LOAD_FAILED', `could not read the config: ${(error as Error).message}`, {
      cause: error,
      hint: 'check the file for syntax errors',
    });
  }
  if (!result || result.isEmpty) {
    throw new RatchetError('CONFIG_NOT_FOUND', `no ratchet config found in ${cwd} or its parents`, {
      hint: 'create one with `ratchet init`, or pass --config FILE',
    });
  }
  let raw = result.config;
  if (typeof raw === 'function') raw = await (raw as () => unknown)();
  const config = parseConfig(raw, result.filepath);
  const resolved = parseConfig(resolveEnv(raw, options.env ?? process.env), result.filepath);
  secretRedactor.addSecretEnv(resolved.secrets);
  secretRedactor.addSecretsFromConfig(resolved);
  for (const name of resolved.secrets) secretRedactor.addSecret((options.env ?? process.env)[name]);
  return { config, resolved, filepath: result.filepath, configDir: dirname(result.filepath) };
}

export function parseConfig(raw: unknown, source: string): RatchetConfig {
  const parsed = RatchetConfigSchema.safeParse(raw);
  if (parsed.success) {
    refuseTodos(parsed.data, source);
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${path === '(root)' ? '' : `${path}.`}${issue.keys.join(', ')}: unknown key${issue.keys.length > 1 ? 's' : ''}`;
    }
    if (issue.code === 'invalid_union' && path.startsWith('phases.')) {
      return `${path}: expected { use: "<package or ./module>", with?: {...} } or { command: [argv...] }`;
    }
    return `${path}: ${issue.message}`;
  });
  throw new RatchetError('CONFIG_INVALID', `invalid config in ${source}:\n  - ${problems.join('\n  - ')}`, {
    details: { problems },
    hint: 'see docs/config.md for every key',
  });
}
