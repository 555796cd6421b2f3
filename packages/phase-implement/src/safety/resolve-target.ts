import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RatchetError } from '@ratchet/core';

export interface TargetScope {
  /** Allowed roots, as real paths (symlinks resolved). */
  roots: readonly string[];
  /** Where relative action paths start from. */
  baseDir: string;
}

function refuse(action: string, path: string, why: string): RatchetError {
  return new RatchetError('ACTION_REFUSED', `${action}: refused '${path}': ${why}`, {
    hint: 'Every target of a fix must resolve inside the implement phase roots (with: { roots: [...] }).',
    details: { action, path },
  });
}

export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The real path of `path`: realpath of its deepest existing ancestor, then the rest as written. */
export async function realPathOfDeepestAncestor(path: string, depth = 0): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length ? join(real, ...missing.reverse()) : real;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      // A dangling symlink: follow it by hand, since writing through it would land at its target.
      const link = await lstat(current).catch(() => undefined);
      if (link?.isSymbolicLink() && depth < 40) {
        const target = resolve(dirname(current), await readlink(current));
        return realPathOfDeepestAncestor(
          missing.length ? join(target, ...[...missing].reverse()) : target,
          depth + 1,
        );
      }
      const parent = resolve(current, '..');
      if (parent === current) return path;
      missing.push(current.slice(parent.length).replace(/^[\\/]+/, ''));
      current = parent;
    }
  }
}

export async function resolveRoots(roots: readonly string[]): Promise<string[]> {
  const resolved: string[] = [];
  for (const root of roots) {
    try {
      resolved.push(await realpath(root));
    } catch (error) {
      throw new RatchetError(
        'ACTION_REFUSED',
        `implement: root '${root}' cannot be used: ${(error as Error).message}`,
        {
          hint: 'Create the folder or fix the roots option of the implement phase.',
          details: { root },
        },
      );
    }
  }
  return resolved;
}

/**
 * Resolves an action's path and refuses it unless it lands inside a root: `..` segments are refused
 * outright, and the real path (symlinks resolved) must be inside a root's real path.
 */
export async function resolveTarget(
  rawPath: string,
  scope: TargetScope,
  action: string,
  options: { allowRoot?: boolean } = {},
): Promise<string> {
  if (rawPath.length === 0) throw refuse(action, rawPath, 'the path is empty');
  if (rawPath.includes('\0')) throw refuse(action, rawPath, 'the path contains a NUL byte');
  if (rawPath.split(/[\\/]+/).includes('..')) throw refuse(action, rawPath, "'..' is not allowed in a path");
  const absolute = isAbsolute(rawPath) ? resolve(rawPath) : resolve(scope.baseDir, rawPath);
  const real = await realPathOfDeepestAncestor(absolute);
  const root = scope.roots.find((candidate) => isInside(candidate, real));
  if (!root) {
    const why =
      real === absolute
        ? 'it is outside the allowed roots'
        : `it resolves to '${real}', outside the allowed roots`;
    throw refuse(action, rawPath, why);
  }
  if (real === root && !options.allowRoot) throw refuse(action, rawPath, 'it is a root itself');
  return real;
}
