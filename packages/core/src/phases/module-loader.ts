import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';
import { RatchetError } from '../errors/ratchet-error.js';

function isLocalSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
}

/**
 * Resolves `use:` to a file: a local module relative to the config's folder, or a package found
 * from the config's folder first, then from the given files (the CLI passes its own, so the built-in
 * phases work in a project that does not list them), then from core's own install.
 */
export function resolveModule(
  specifier: string,
  configDir: string,
  label: string,
  resolveFrom: string[] = [],
): string {
  if (isLocalSpecifier(specifier)) {
    const file = resolve(configDir, specifier);
    if (!existsSync(file)) {
      throw new RatchetError(
        'PHASE_RESOLVE_FAILED',
        `${label}: module ${specifier} not found (looked for ${file})`,
        {
          hint: 'paths in `use:` are relative to the config file',
        },
      );
    }
    return file;
  }
  const bases = [join(configDir, 'package.json'), ...resolveFrom, import.meta.filename];
  for (const base of bases) {
    try {
      return createRequire(base).resolve(specifier);
    } catch {
      // try the next base
    }
  }
  throw new RatchetError('PHASE_RESOLVE_FAILED', `${label}: package ${specifier} is not installed`, {
    hint: `install it (npm install ${specifier}) in the project that holds the config`,
  });
}

/** Imports a module; TypeScript files go through jiti so users need no build step. */
export async function importModule(
  specifier: string,
  configDir: string,
  label: string,
  resolveFrom: string[] = [],
): Promise<unknown> {
  const file = resolveModule(specifier, configDir, label, resolveFrom);
  try {
    if (/\.[cm]?ts$/.test(file)) {
      const jiti = createJiti(import.meta.url, { interopDefault: false });
      return await jiti.import(file);
    }
    return await import(pathToFileURL(file).href);
  } catch (error) {
    throw new RatchetError(
      'PHASE_RESOLVE_FAILED',
      `${label}: loading ${specifier} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
