import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type LoadedConfig, RatchetError } from '@ratchet/core';

/** The real path of `path`, through its deepest existing ancestor. */
function realPath(path: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = resolve(current, '..');
      if (parent === current) return path;
      missing.push(relative(parent, current));
      current = parent;
    }
  }
}

function inside(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The output folder must not be inside a root of the implement phase, nor hold one: a fix could
 * otherwise rewrite Ratchet's own state (run_config.json, the backups) and the next resume run it.
 */
export function refuseOutputInsideRoots(loaded: LoadedConfig, outDir: string): void {
  const implement = loaded.resolved.phases?.implement as { with?: { roots?: unknown } } | undefined;
  const roots = implement?.with?.roots;
  if (!Array.isArray(roots)) return;
  const out = realPath(resolve(outDir));
  for (const root of roots) {
    if (typeof root !== 'string' || root.length === 0) continue;
    const real = realPath(resolve(loaded.configDir, root));
    if (inside(real, out) || inside(out, real)) {
      throw new RatchetError(
        'CONFIG_INVALID',
        `the output folder ${out} and the implement root ${real} overlap: a fix could rewrite Ratchet's own state`,
        {
          hint: 'Put outDir (or --out) outside every folder listed in phases.implement.with.roots.',
          details: { outDir: out, root: real },
        },
      );
    }
  }
}

/** The output folder a run would use: --out, else the config's outDir next to the config. */
export function outDirOf(loaded: LoadedConfig, out?: string): string {
  return resolve(out ?? resolve(loaded.configDir, loaded.resolved.outDir));
}
