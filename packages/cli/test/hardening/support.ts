import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BIN } from '../helpers.js';

/** mulberry32: a small seeded PRNG, so every "random" crash point is reproducible from its seed. */
export function seededPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(next: () => number, min: number, max: number): number {
  return min + Math.floor(next() * (max - min + 1));
}

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** A hash of a folder's whole tree (relative paths, kinds and bytes); 'absent' when it does not exist. */
export function treeHash(dir: string): string {
  if (!existsSync(dir)) return 'absent';
  const hash = createHash('sha256');
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const stat = statSync(path);
      hash.update(`${relative(dir, path)}\0${stat.isDirectory() ? 'd' : 'f'}\0`);
      if (stat.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile());
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** SIGKILL the process this many ms after it started. */
  killAfterMs?: number;
  /** SIGKILL it when this long has passed, as a guard against a hang (reported as a timeout). */
  timeoutMs?: number;
  input?: string;
}

/** Runs the real `ratchet` bin asynchronously (so two can run side by side), without a terminal. */
export function runBin(args: string[], options: SpawnOptions = {}): Promise<Exit & { timedOut: boolean }> {
  return runProcess(process.execPath, [BIN, ...args], options);
}

export function runProcess(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<Exit & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, CI: '1', FORCE_COLOR: '0', ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timers: NodeJS.Timeout[] = [];
    if (options.killAfterMs !== undefined)
      timers.push(setTimeout(() => child.kill('SIGKILL'), options.killAfterMs));
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs),
      );
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const timer of timers) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/** Runs tasks with at most `limit` at once (the machine has two cores shared by everyone). */
export async function inPool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** What Node prints for an uncaught exception: a hardened path never shows it to a user. */
export const STACK_TRACE = /\n\s+at .+\(.+:\d+:\d+\)|\n\s+at file:\/\/|node:internal/;
