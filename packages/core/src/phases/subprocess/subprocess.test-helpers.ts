import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoopEvents } from '../../contracts/events.js';
import type { Logger } from '../../contracts/logger.js';
import type { PhaseContext } from '../../contracts/phase.js';
import type { LoopState } from '../../contracts/state.js';
import { RatchetError } from '../../errors/ratchet-error.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'test-fixtures');
export { PLEX_LOGS_DIR as PLEX_SAMPLES } from '../../../../../test-support/fixtures.js';

export interface RecordedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data: Record<string, unknown> | undefined;
}

/** A logger that keeps every line (or only counts them, for floods). */
export class RecordingLogger implements Logger {
  readonly lines: RecordedLine[] = [];
  count = 0;
  chars = 0;
  constructor(private readonly keep = true) {}
  debug(message: string, data?: Record<string, unknown>) {
    this.record('debug', message, data);
  }
  info(message: string, data?: Record<string, unknown>) {
    this.record('info', message, data);
  }
  warn(message: string, data?: Record<string, unknown>) {
    this.record('warn', message, data);
  }
  error(message: string, data?: Record<string, unknown>) {
    this.record('error', message, data);
  }
  messages(level?: RecordedLine['level']): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => l.message);
  }
  private record(level: RecordedLine['level'], message: string, data?: Record<string, unknown>) {
    this.count++;
    this.chars += message.length;
    if (this.keep) this.lines.push({ level, message, data });
  }
}

export interface TestWorld {
  dir: string;
  configDir: string;
  log: RecordingLogger;
  abort: AbortController;
  context(iteration?: number): PhaseContext;
  cleanup(): Promise<void>;
}

/** A temp folder with a config folder and an output folder, and PhaseContexts pointing into it. */
export async function createWorld(log = new RecordingLogger()): Promise<TestWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'ratchet-subprocess-test-'));
  const abort = new AbortController();
  return {
    dir,
    configDir: dir,
    log,
    abort,
    context(iteration = 1): PhaseContext {
      const outDir = join(dir, '.ratchet');
      return {
        iteration,
        runDir: join(outDir, 'iterations', String(iteration).padStart(2, '0')),
        outDir,
        signal: abort.signal,
        log,
        events: new LoopEvents(),
        state: {} as LoopState,
        measure: () => Promise.reject(new Error('measure is not used by subprocess phases')),
        progress: () => {},
      };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs `action`, expects a RatchetError, and returns it for closer checks. */
export async function expectRatchetError(action: () => Promise<unknown>): Promise<RatchetError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof RatchetError) return error;
    throw new Error(`expected a RatchetError, got: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a RatchetError, but the call succeeded');
}

/** True while a process exists and is not a zombie waiting to be reaped. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
