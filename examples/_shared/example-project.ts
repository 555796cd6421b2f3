// Helpers for the examples' end-to-end tests: a fresh copy of an example in a temp folder, and the
// real `ratchet` bin (built dist/) run on it without a terminal.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(EXAMPLES, '..', 'packages', 'cli', 'bin', 'ratchet.js');

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Copies examples/<name> to a temp folder, leaving out what runs create. Its node_modules is
 * linked, not copied, so `@ratchet/core` and the example's own dependencies resolve as in place.
 */
export function exampleCopy(name: string): string {
  const source = join(EXAMPLES, name);
  const dir = mkdtempSync(join(tmpdir(), `ratchet-example-${name}-`));
  cpSync(source, dir, {
    recursive: true,
    filter: (path) => !['node_modules', '.ratchet', 'logs', '__pycache__'].includes(basename(path)),
  });
  symlinkSync(join(source, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

export function ratchet(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
  timeoutMs = 90_000,
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, CI: '1', FORCE_COLOR: '0', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

export function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): CliResult {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export interface DecisionLog {
  decisions: { fixId: string; outcome: string; next: string; rationale: string; rule?: string }[];
}
