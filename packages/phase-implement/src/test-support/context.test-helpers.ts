import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type Fix,
  FixSchema,
  type Logger,
  LoopEvents,
  type PhaseContext,
  type PhaseFactoryContext,
} from '@ratchet/core';

export interface TestFolder {
  root: string;
  /** The folder the fixes may change (the implement phase's only root). */
  system: string;
  /** Ratchet's output folder (backups go there). */
  outDir: string;
  runDir: string;
  cleanup(): Promise<void>;
}

export type TreeSpec = Record<
  string,
  string | { content: string | Uint8Array; mode?: number } | { symlink: string }
>;

/** Builds a real folder tree: `{ 'a/b.txt': 'text', 'run.sh': { content, mode: 0o755 } }`. */
export async function writeTree(base: string, spec: TreeSpec): Promise<void> {
  for (const [relative, entry] of Object.entries(spec)) {
    const path = join(base, relative);
    await mkdir(dirname(path), { recursive: true });
    if (typeof entry === 'string') await writeFile(path, entry);
    else if ('symlink' in entry) await symlink(entry.symlink, path);
    else {
      await writeFile(path, entry.content);
      if (entry.mode !== undefined) await chmod(path, entry.mode);
    }
  }
}

export async function testFolder(spec: TreeSpec = {}): Promise<TestFolder> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'ratchet-implement-')));
  const system = join(root, 'system');
  const outDir = join(root, 'out');
  const runDir = join(outDir, 'iterations', '01');
  await mkdir(system, { recursive: true });
  await writeTree(system, spec);
  return { root, system, outDir, runDir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export interface RecordingLogger extends Logger {
  lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const push = (level: string) => (message: string, data?: Record<string, unknown>) => {
    lines.push(`${level} ${message}${data ? ` ${JSON.stringify(data)}` : ''}`);
  };
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

export function phaseContext(folder: TestFolder, log: Logger = recordingLogger()): PhaseContext {
  return {
    iteration: 1,
    runDir: folder.runDir,
    outDir: folder.outDir,
    signal: new AbortController().signal,
    log,
    events: new LoopEvents(),
    state: {} as PhaseContext['state'],
    measure: async () => {
      throw new Error('measure is not used by the implement phase');
    },
    progress: () => undefined,
  };
}

export function factoryContext(
  configDir: string,
  settings: Record<string, unknown> = {},
): PhaseFactoryContext {
  return { configDir, log: recordingLogger(), settings };
}

export function fix(
  id: string,
  actions: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): Fix {
  return FixSchema.parse({ id, priority: 'HIGH', actions, ...extra });
}

export interface Snapshot {
  [relative: string]:
    | { type: 'file'; mode: number; bytes: string }
    | { type: 'dir'; mode: number }
    | { type: 'link' };
}

/** Every entry under a folder with its exact bytes (base64) and permission bits. */
export async function snapshot(base: string): Promise<Snapshot> {
  const result: Snapshot = {};
  async function walk(folder: string, prefix: string): Promise<void> {
    for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(folder, entry.name);
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) result[rel] = { type: 'link' };
      else if (entry.isDirectory()) {
        result[rel] = { type: 'dir', mode: (await stat(full)).mode & 0o7777 };
        await walk(full, rel);
      } else {
        result[rel] = {
          type: 'file',
          mode: (await stat(full)).mode & 0o7777,
          bytes: (await readFile(full)).toString('base64'),
        };
      }
    }
  }
  await walk(base, '');
  return result;
}

/** Every file's text under a folder, joined: to assert a secret never reached any of them. */
export async function allText(base: string): Promise<string> {
  const snap = await snapshot(base).catch(() => ({}) as Snapshot);
  return Object.values(snap)
    .map((entry) => (entry.type === 'file' ? Buffer.from(entry.bytes, 'base64').toString('utf8') : ''))
    .join('\n');
}
