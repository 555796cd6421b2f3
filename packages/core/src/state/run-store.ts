import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { DecisionRecord } from '../contracts/events.js';
import { type LoopState, LoopStateSchema, STATE_VERSION } from '../contracts/state.js';
import { RatchetError } from '../errors/ratchet-error.js';
import { writeJsonAtomic } from './atomic-write.js';
import { Journal } from './journal.js';
import { RunLock } from './lock.js';

export const RUN_FILES = {
  state: 'loop_state.json',
  journal: 'journal.jsonl',
  decisions: 'decision_log.json',
  lock: '.lock',
  runConfig: 'run_config.json',
  reportMarkdown: 'final_improvement_report.md',
  reportHtml: 'final_improvement_report.html',
  iterations: 'iterations',
  backups: 'backups',
} as const;

/** The files of one run's output folder, and the only code that reads or writes them. */
export class RunStore {
  private currentJournal: Journal;
  readonly lock: RunLock;

  constructor(readonly outDir: string) {
    mkdirSync(outDir, { recursive: true });
    this.currentJournal = new Journal(this.path('journal'));
    this.lock = new RunLock(this.path('lock'));
  }

  get journal(): Journal {
    return this.currentJournal;
  }

  /**
   * Moves a finished (or abandoned) run's files into `previous/<runId>/`, so that a new run in the
   * same folder starts clean and the old state, config, decisions, reports and backups stay available.
   */
  archiveRun(runId: string): string {
    const target = join(this.outDir, 'previous', runId.replace(/[^A-Za-z0-9._-]+/g, '_'));
    mkdirSync(target, { recursive: true });
    for (const file of [
      'state',
      'journal',
      'decisions',
      'runConfig',
      'reportMarkdown',
      'reportHtml',
      'iterations',
      'backups',
    ] as const) {
      const from = this.path(file);
      if (existsSync(from)) renameSync(from, join(target, RUN_FILES[file]));
    }
    this.currentJournal = new Journal(this.path('journal'));
    return target;
  }

  path(file: keyof typeof RUN_FILES): string {
    return join(this.outDir, RUN_FILES[file]);
  }

  iterationDir(iteration: number): string {
    const dir = join(this.outDir, RUN_FILES.iterations, String(iteration).padStart(2, '0'));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  hasState(): boolean {
    return existsSync(this.path('state'));
  }

  /** The status and run id of the state in the folder, read without the full schema (any version). */
  peekState(): { status: string; runId: string } | undefined {
    if (!this.hasState()) return undefined;
    try {
      const raw = JSON.parse(readFileSync(this.path('state'), 'utf8')) as {
        status?: unknown;
        runId?: unknown;
      };
      if (typeof raw.status === 'string' && typeof raw.runId === 'string')
        return { status: raw.status, runId: raw.runId };
    } catch {
      // Not JSON: loadState reports it with its reason.
    }
    this.loadState();
    return undefined;
  }

  saveRunConfig(runConfig: unknown): void {
    writeJsonAtomic(this.path('runConfig'), runConfig);
  }

  loadState(): LoopState {
    return RunStore.readState(this.path('state'));
  }

  static readState(file: string): LoopState {
    if (!existsSync(file)) {
      throw new RatchetError('STATE_NOT_FOUND', `no run state at ${file}`, {
        hint: 'start a run with `ratchet run`, or pass the --out folder of an existing run',
      });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new RatchetError('STATE_INVALID', `${file} is not valid JSON: ${(error as Error).message}`);
    }
    const version = (raw as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version !== STATE_VERSION) {
      throw new RatchetError(
        'STATE_VERSION',
        `${file} holds a run state of version ${version}; this ratchet reads version ${STATE_VERSION}`,
        {
          hint:
            version < STATE_VERSION
              ? 'finish it with the ratchet that started it, or start a new run (`ratchet run` in another --out folder)'
              : 'use the newer ratchet that wrote it',
          details: { version, expected: STATE_VERSION },
        },
      );
    }
    const parsed = LoopStateSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new RatchetError(
        'STATE_INVALID',
        `${file} does not hold a Ratchet run state: ${first?.path.join('.') || '(root)'}: ${first?.message}`,
      );
    }
    return parsed.data;
  }

  saveState(state: LoopState): void {
    state.updatedAt = new Date().toISOString();
    writeJsonAtomic(this.path('state'), state);
  }

  loadDecisions(): DecisionRecord[] {
    const file = this.path('decisions');
    if (!existsSync(file)) return [];
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { decisions?: DecisionRecord[] };
      return parsed.decisions ?? [];
    } catch (error) {
      throw new RatchetError('STATE_INVALID', `${file} is not valid JSON: ${(error as Error).message}`);
    }
  }

  saveDecisions(decisions: DecisionRecord[]): void {
    writeJsonAtomic(this.path('decisions'), { version: 1, decisions });
  }
}
