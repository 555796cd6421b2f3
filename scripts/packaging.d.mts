// Types of scripts/packaging.mjs, for the tests that import it.
export interface WorkspacePackage {
  dir: string;
  manifest: { name: string; version: string; [key: string]: unknown };
}
export const PNPM: string;
export function isDevOnly(path: string): boolean;
export function workspacePackages(root: string): WorkspacePackage[];
export function packPackage(dir: string, dest: string): string;
export function packWorkspace(root: string, dest: string): Map<string, string>;
export function tarballFiles(tarball: string): string[];
export function tarballManifest(tarball: string): Record<string, unknown>;
export function packageProblems(
  pkg: WorkspacePackage,
  files: string[],
  packed: Record<string, unknown>,
): string[];
