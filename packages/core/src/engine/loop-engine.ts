import 'reflect-metadata';
import { existsSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { inject, injectable } from 'tsyringe';
import type { DecisionRecord, LoopEvents } from '../contracts/events.js';
import type { ExitPolicy } from '../contracts/exit-policy.js';
import type { Logger } from '../contracts/logger.js';
import type {
  AggregatePhase,
  DiagnosePhase,
  ImplementPhase,
  PhaseSet,
  TestPhase,
} from '../contracts/phase.js';
import type { Cursor, LoopState } from '../contracts/state.js';
import { TOKENS } from '../di/tokens.js';
import { describeError, RatchetError } from '../errors/ratchet-error.js';
import type { RunStore } from '../state/run-store.js';
import { DecisionLog } from './decision-log.js';
import { initialState } from './initial-state.js';
import { PhaseRunner } from './phase-runner.js';
import type { EngineOptions, Step, StepContext } from './step-context.js';
import { aggregateStep } from './steps/aggregate.js';
import { decideStep } from './steps/decide.js';
import { diagnoseStep } from './steps/diagnose.js';
import { implementStep } from './steps/implement.js';
import { iterationEndStep } from './steps/iteration-end.js';
import { pretestStep } from './steps/pretest.js';
import { selectStep } from './steps/select.js';
import { testStep } from './steps/test.js';
import { StopWatch } from './stop-watch.js';

export { initialState } from './initial-state.js';
export type { EngineOptions } from './step-context.js';

export const ENGINE_OPTIONS = Symbol.for('ratchet.engineOptions');

export type RunOutcome = 'finished' | 'paused' | 'interrupted' | 'failed';

const STEPS: Record<Exclude<Cursor['step'], 'done'>, Step> = {
  aggregate: aggregateStep,
  diagnose: diagnoseStep,
  select: selectStep,
  pretest: pretestStep,
  implement: implementStep,
  test: testStep,
  decide: decideStep,
  'iteration-end': iterationEndStep,
};

/** Thrown inside the engine to unwind to `run()` when the loop must stop right away. */
class StopNow extends Error {}

/**
 * The improvement loop as a journaled state machine (docs/design/integration.md). Each step lives in
 * steps/; this class runs them in order. A step is announced in the journal before it runs, and the
 * state (with the cursor naming the next step) is saved after it, so a run killed at any point
 * resumes by repeating the step it was in: steps are safe to repeat.
 */
@injectable()
export class LoopEngine {
  private state!: LoopState;
  private readonly decisions: DecisionLog;
  private readonly ctx: StepContext;
  private readonly stopWatch = new StopWatch(
    () => this.options.stopRequested?.() === true || existsSync(this.stopFilePath()),
  );

  constructor(
    @inject(TOKENS.Aggregate) aggregate: AggregatePhase,
    @inject(TOKENS.Diagnose) diagnose: DiagnosePhase,
    @inject(TOKENS.Implement) implement: ImplementPhase,
    @inject(TOKENS.Test) test: TestPhase,
    @inject(TOKENS.ExitPolicies) policies: ExitPolicy[],
    @inject(TOKENS.Events) private readonly events: LoopEvents,
    @inject(TOKENS.Logger) private readonly log: Logger,
    @inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
  ) {
    const phases: PhaseSet = { aggregate, diagnose, implement, test };
    const store = options.store;
    this.decisions = new DecisionLog(store, events);
    const runner = new PhaseRunner({
      store,
      events,
      log,
      aggregate,
      signal: options.signal,
      stopSignal: this.stopWatch.signal,
      state: () => this.state,
    });
    const engine = this;
    this.ctx = {
      get state() {
        return engine.state;
      },
      options,
      phases,
      policies,
      runner,
      store,
      log,
      events,
      now: () => this.now(),
      save: () => store.saveState(this.state),
      recordDecision: (decision) => this.decisions.record(this.state, this.now(), decision),
      decisions: () => this.decisions.all,
    };
  }

  get currentState(): Readonly<LoopState> {
    return this.state;
  }

  get decisionLog(): readonly DecisionRecord[] {
    return this.decisions.all;
  }

  private get store(): RunStore {
    return this.options.store;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Starts a new run, or resumes the one in the output folder. */
  async run(mode: 'start' | 'resume'): Promise<RunOutcome> {
    this.store.lock.acquire();
    let started = false;
    try {
      if (mode === 'resume') this.prepareResume();
      else this.prepareStart();
      started = true;
      this.events.emit('run:start', {
        runId: this.state.runId,
        outDir: this.store.outDir,
        resumed: mode === 'resume',
      });
      this.stopWatch.start();
      return await this.loop();
    } finally {
      this.stopWatch.stop();
      // Also after a failure: the state was saved, and report writers want the last word.
      if (started) this.events.emit('run:end', { state: this.state });
      this.store.lock.release();
    }
  }

  private prepareStart(): void {
    const previous = this.store.peekState();
    if (previous) {
      if (previous.status !== 'finished' && previous.status !== 'abandoned') {
        throw new RatchetError(
          'RUN_UNFINISHED',
          `${this.store.outDir} holds an unfinished run (${previous.status})`,
          {
            hint: 'continue it with `ratchet resume`, give it up with `ratchet abandon`, or choose another --out folder',
          },
        );
      }
      const archived = this.store.archiveRun(previous.runId);
      this.log.info(`the ${previous.status} run ${previous.runId} was moved to ${archived}`);
    }
    this.state = initialState(this.options.objective, this.now(), this.options.dryRun ?? false);
    if (this.options.runConfig !== undefined) this.store.saveRunConfig(this.options.runConfig);
    this.decisions.reset();
    this.store.saveState(this.state);
    this.store.journal.append({
      type: 'start',
      data: { runId: this.state.runId, dryRun: this.state.dryRun },
    });
  }

  private prepareResume(): void {
    this.state = this.store.loadState();
    if (this.state.status === 'abandoned') {
      throw new RatchetError(
        'RUN_ABANDONED',
        `the run in ${this.store.outDir} was abandoned and cannot go on`,
        {
          hint: 'start a new run with `ratchet run` (the abandoned one is moved to previous/)',
        },
      );
    }
    this.decisions.load();
    const { tornTail, corruptLines } = this.store.journal;
    if (tornTail)
      this.log.warn(`journal: ignored a torn last line left by a crash (${tornTail.length} bytes)`);
    if (corruptLines.length > 0) {
      this.log.warn(
        `journal: line(s) ${corruptLines.join(', ')} of ${this.store.path('journal')} fail their checksum: the audit log was edited or damaged`,
      );
    }
    if (this.state.status === 'finished') return;
    this.state.status = 'running';
    this.state.exitCondition = null;
    this.state.exitReason = null;
    // The stop file asked the previous process to stop, and it did: a resume means go on.
    if (existsSync(this.stopFilePath())) {
      rmSync(this.stopFilePath(), { force: true });
      this.log.info(`removed the stop file ${this.stopFilePath()}`);
    }
    if (this.state.dryRun) this.log.info('resuming a dry run: nothing is changed');
    this.store.journal.append({
      type: 'resume',
      iteration: this.state.iteration,
      step: this.state.cursor.step,
      data: {
        dryRun: this.state.dryRun,
        ...(corruptLines.length > 0 ? { corruptJournalLines: corruptLines } : {}),
      },
    });
    this.store.saveState(this.state);
  }

  private async loop(): Promise<RunOutcome> {
    if (this.state.status === 'finished') return 'finished';
    try {
      while (this.state.cursor.step !== 'done') {
        this.checkManualStop();
        await this.step();
        if (this.state.status === 'paused') return 'paused';
      }
      return 'finished';
    } catch (error) {
      if (error instanceof StopNow) return 'interrupted';
      // A phase cut short by a stop request (or the second Ctrl+C) did not fail: resume repeats it.
      if (this.options.signal?.aborted || this.stopWatch.signal.aborted) {
        this.pause(
          'manual_stop',
          'interrupted: the run was stopped during a phase; `ratchet resume` repeats that phase',
        );
        return 'interrupted';
      }
      this.state.status = 'failed';
      this.state.lastError = describeError(error);
      this.store.journal.append({
        type: 'failed',
        iteration: this.state.iteration,
        step: this.state.cursor.step,
        data: { error: this.state.lastError },
      });
      this.store.saveState(this.state);
      throw error;
    }
  }

  /** Journal the step, run it, journal where it leads, save the state. */
  private async step(): Promise<void> {
    const { cursor } = this.state;
    if (cursor.step === 'done') return;
    const { iteration } = this.state;
    this.store.journal.append({ type: 'step:begin', iteration, step: cursor.step, fixId: cursor.fix?.id });
    const next = await STEPS[cursor.step](this.ctx, cursor);
    if (this.state.status === 'paused') {
      this.state.cursor = next;
      this.pause(this.state.exitCondition, this.state.exitReason ?? 'paused');
      return;
    }
    this.store.journal.append({ type: 'step:end', iteration, step: cursor.step, data: { next: next.step } });
    this.state.cursor = next;
    this.store.saveState(this.state);
  }

  private stopFilePath(): string {
    const { stopFile } = this.options;
    return isAbsolute(stopFile) ? stopFile : join(this.store.outDir, stopFile);
  }

  private checkManualStop(): void {
    const stopFile = this.stopFilePath();
    const byFile = existsSync(stopFile);
    if (this.options.stopRequested?.() || byFile || this.options.signal?.aborted) {
      const how = byFile
        ? `the stop file ${stopFile} exists`
        : 'a stop was requested (Ctrl+C, SIGTERM or a closed output)';
      this.pause('manual_stop', `${how}; stopped cleanly at a phase boundary, \`ratchet resume\` goes on`);
      this.events.emit('exit', { condition: 'manual_stop', reason: how });
      throw new StopNow();
    }
  }

  private pause(condition: string | null, reason: string): void {
    this.state.status = 'paused';
    this.state.exitCondition = condition;
    this.state.exitReason = reason;
    this.store.journal.append({
      type: 'pause',
      iteration: this.state.iteration,
      step: this.state.cursor.step,
      data: { reason },
    });
    this.store.saveState(this.state);
    this.events.emit('pause', { reason });
  }
}
