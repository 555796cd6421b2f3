import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'ratchet.js');
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `ratchet` bin (built dist/) in a folder, without a terminal. */
export function ratchet(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, CI: '1', FORCE_COLOR: '0', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh copy of a fixture project in a temp folder. */
export function fixtureCopy(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ratchet-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}
