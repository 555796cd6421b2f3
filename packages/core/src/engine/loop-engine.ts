import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { inject, injectable } from 'tsyringe';
import type { DecisionRecord, LoopEvents } from '../contracts/events.js';
import type { ExitCheckpoint, ExitPolicy, ExitVerdict } from '../contracts/exit-policy.js';
import type { Logger } from '../contracts/logger.js';
import type {
  AggregatePhase,
  DiagnosePhase,
  ImplementPhase,
  PhaseContext,
  PhaseKind,
  TestPhase,
} from '../contracts/phase.js';
import {
  type AggregateResult,
  AggregateResultSchema,
  type AppliedFix,
  AppliedFixSchema,
  type DiagnoseInput,
  DiagnosisSchema,
  type Fix,
  type Objective,
  PRIORITY_RANK,
  type Priority,
  type TestResult,
  TestResultSchema,
  type TimeWindow,
} from '../contracts/schemas.js';
import type { Cursor, IterationRecord, LoopState } from '../contracts/state.js';
import { TOKENS } from '../di/tokens.js';
import { describeError, RatchetError } from '../errors/ratchet-error.js';
import { evaluatePolicies } from '../policies/builtin.js';
import { renderIterationSummaryMarkdown } from '../reports/index.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import type { RunStore } from '../state/run-store.js';
import { improvementPct, objectiveValue } from './objective.js';

export const ENGINE_OPTIONS = Symbol.for('ratchet.engineOptions');

export interface EngineOptions {
  store: RunStore;
  objective: Objective;
  /** The lowest priority applied. */
  priority: Priority;
  /** Below this many units of the objective's denominator a measurement is too thin to act on. */
  minSamples: number;
  /** Inconclusive retests of one fix before it is rolled back. */
  maxMonitor: number;
  stopFile: string;
  dryRun?: boolean;
  /** Called between iterations (`--step`). */
  beforeIteration?: (iteration: number) => Promise<void>;
  /** The config as written (with `${ENV}` unresolved), recorded for the audit trail. */
  now?: () => Date;
  /** Set by the first Ctrl+C / SIGTERM: stop at the next phase boundary. */
  stopRequested?: () => boolean;
  /** Aborted by the second Ctrl+C: phases abandon their work. */
  signal?: AbortSignal;
}

export type RunOutcome = 'finished' | 'paused' | 'interrupted' | 'failed';

/** Thrown inside the engine to unwind to `run()` when the loop must stop right away. */
class StopNow extends Error {}

/**
 * The improvement loop as a journaled state machine. Every step is announced in the journal
 * before it runs, and the state snapshot (with the cursor naming the next step) is written after
 * it, so a run killed at any point resumes by re-running the step it was in: steps are written to
 * be safe to repeat (the implement phase restores its backups first, rollback is idempotent).
 */
@injectable()
export class LoopEngine {
  private state!: LoopState;
  private decisions: DecisionRecord[] = [];
  private activePhase = 'loop';

  constructor(
    @inject(TOKENS.Aggregate) private readonly aggregate: AggregatePhase,
    @inject(TOKENS.Diagnose) private readonly diagnose: DiagnosePhase,
    @inject(TOKENS.Implement) private readonly implement: ImplementPhase,
    @inject(TOKENS.Test) private readonly test: TestPhase,
    @inject(TOKENS.ExitPolicies) private readonly policies: ExitPolicy[],
    @inject(TOKENS.Events) private readonly events: LoopEvents,
    @inject(TOKENS.Logger) private readonly log: Logger,
    @inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
  ) {}

  get currentState(): Readonly<LoopState> {
    return this.state;
  }

  get decisionLog(): readonly DecisionRecord[] {
    return this.decisions;
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
      this.prepare(mode);
      started = true;
      this.events.emit('run:start', {
        runId: this.state.runId,
        outDir: this.store.outDir,
        resumed: mode === 'resume',
      });
      return await this.loop();
    } finally {
      // Also after a failure: the state was saved, and report writers want the last word.
      if (started) this.events.emit('run:end', { state: this.state });
      this.store.lock.release();
    }
  }

  private prepare(mode: 'start' | 'resume'): void {
    const journal = this.store.journal;
    if (mode === 'resume') {
      this.state = this.store.loadState();
      this.decisions = this.store.loadDecisions();
      const torn = this.store.journal.tornTail;
      if (torn) this.log.warn(`journal: ignored a torn last line left by a crash (${torn.length} bytes)`);
      if (this.state.status === 'finished') return;
      this.state.status = 'running';
      this.state.exitCondition = null;
      this.state.exitReason = null;
      // The stop file asked the previous process to stop, and it did: a resume means go on.
      if (existsSync(this.stopFilePath())) {
        rmSync(this.stopFilePath(), { force: true });
        this.log.info(`removed the stop file ${this.stopFilePath()}`);
      }
      journal.append({ type: 'resume', iteration: this.state.iteration, step: this.state.cursor.step });
    } else {
      if (this.store.hasState()) {
        const previous = this.store.loadState();
        if (previous.status === 'finished') {
          const archived = this.store.archiveFinishedRun(previous.runId);
          this.log.info(`the finished run ${previous.runId} was moved to ${archived}`);
        } else {
          throw new RatchetError(
            'STATE_LOCKED',
            `${this.store.outDir} holds an unfinished run (${previous.status})`,
            {
              hint: 'continue it with `ratchet resume`, or choose another --out folder',
            },
          );
        }
      }
      this.state = initialState(this.options.objective, this.now());
      this.decisions = [];
      this.store.saveDecisions(this.decisions);
      this.store.saveState(this.state);
      this.store.journal.append({ type: 'start', data: { runId: this.state.runId } });
      return;
    }
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
      if (this.options.signal?.aborted) {
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

  private stopFilePath(): string {
    return isAbsolute(this.options.stopFile)
      ? this.options.stopFile
      : join(this.store.outDir, this.options.stopFile);
  }

  private checkManualStop(): void {
    const stopFile = this.stopFilePath();
    const byFile = existsSync(stopFile);
    if (this.options.stopRequested?.() || byFile || this.options.signal?.aborted) {
      const how = byFile ? `the stop file ${stopFile} exists` : 'a stop was requested (Ctrl+C or SIGTERM)';
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

  /** Journal the step, run it, journal where it leads, save the snapshot. */
  private async step(): Promise<void> {
    const { cursor } = this.state;
    this.store.journal.append({
      type: 'step:begin',
      iteration: this.state.iteration,
      step: cursor.step,
      fixId: cursor.fix?.id,
    });
    const next = await this.runStep(cursor);
    if (this.state.status === 'paused') return;
    this.store.journal.append({
      type: 'step:end',
      iteration: this.state.iteration,
      step: cursor.step,
      data: { next: next.step },
    });
    this.state.cursor = next;
    this.store.saveState(this.state);
  }

  private async runStep(cursor: Cursor): Promise<Cursor> {
    switch (cursor.step) {
      case 'aggregate':
        return this.stepAggregate();
      case 'diagnose':
        return this.stepDiagnose();
      case 'select':
        return this.stepSelect();
      case 'pretest':
        return this.stepPretest(required(cursor.fix, 'fix'));
      case 'implement':
        return this.stepImplement(required(cursor.fix, 'fix'), cursor.before);
      case 'test':
        return this.stepTest(required(cursor.fix, 'fix'), required(cursor.applied, 'applied'), cursor.before);
      case 'decide':
        return this.stepDecide(
          required(cursor.fix, 'fix'),
          required(cursor.applied, 'applied'),
          required(cursor.test, 'test'),
        );
      case 'iteration-end':
        return this.stepIterationEnd();
      case 'done':
        return cursor;
    }
  }

  // ---- steps -------------------------------------------------------------------------------

  private async stepAggregate(): Promise<Cursor> {
    const iteration = this.state.iteration;
    const ctx = this.phaseContext();
    this.events.emit('iteration:start', { iteration });
    const isBaseline = iteration === 1 || this.state.baselineMeasurement === null;
    const window: TimeWindow | undefined =
      !isBaseline && this.state.systemChangedAt ? { start: this.state.systemChangedAt } : undefined;
    let measurement = await this.runPhase('aggregate', () =>
      this.aggregate.run({ window, purpose: isBaseline ? 'baseline' : 'measure' }, ctx),
    );
    measurement = validate('aggregate', AggregateResultSchema, measurement);
    const thin = this.isThin(measurement);
    if (isBaseline) {
      if (thin) this.log.warn(`the baseline measurement is thin: ${thin}`);
      this.state.baselineMeasurement = measurement;
      this.state.baselineMetrics = measurement.metrics;
      this.state.baselineObjective = objectiveValue(this.options.objective, measurement.metrics).value;
      this.state.bestObjective = this.state.baselineObjective;
    } else if (thin && this.state.currentMeasurement) {
      this.log.info(
        `the measurement since the last change is thin (${thin}); the latest measurement of the current system is used instead`,
      );
      measurement = this.state.currentMeasurement;
    }
    this.setCurrent(measurement);
    this.state.iterationHistory = this.state.iterationHistory.filter((r) => r.iteration !== iteration);
    this.state.iterationHistory.push({
      iteration,
      startedAt: this.now().toISOString(),
      objectiveAtStart: this.state.currentObjective,
      objective: this.state.currentObjective,
      metrics: measurement.metrics,
      improvementPct: null,
      fixesKept: [],
      fixesRolledBack: [],
      fixesFailed: [],
    });
    this.events.emit('measurement', {
      iteration,
      objective: this.state.currentObjective,
      metrics: measurement.metrics,
    });
    return { step: 'diagnose' };
  }

  private async stepDiagnose(): Promise<Cursor> {
    const input: DiagnoseInput = {
      aggregate: required(this.state.currentMeasurement, 'currentMeasurement'),
      mode: this.state.iteration === 1 || !this.state.diagnosis ? 'full' : 'focused',
      previous: this.state.diagnosis ?? undefined,
      attemptedFixIds: [...this.state.fixesAttempted],
      rolledBackFixIds: [...this.state.fixesRolledBack],
    };
    const diagnosis = validate(
      'diagnose',
      DiagnosisSchema,
      await this.runPhase('diagnose', () => this.diagnose.run(input, this.phaseContext())),
    );
    this.state.diagnosis = diagnosis;
    const bar = PRIORITY_RANK[this.options.priority];
    const attempted = new Set(this.state.fixesAttempted);
    this.state.pendingFixes = diagnosis.fixes.filter(
      (fix) => !attempted.has(fix.id) && PRIORITY_RANK[fix.priority] >= bar,
    );
    const skipped = diagnosis.fixes.length - this.state.pendingFixes.length;
    this.log.info(
      `diagnosis: ${diagnosis.fixes.length} fix(es) proposed, ${this.state.pendingFixes.length} eligible` +
        (skipped ? ` (${skipped} below the ${this.options.priority} bar or already attempted)` : ''),
    );
    return { step: 'select' };
  }

  private async stepSelect(): Promise<Cursor> {
    const fix = this.state.pendingFixes[0];
    if (!fix) {
      const record = this.currentRecord();
      const triedThisIteration = record
        ? record.fixesKept.length + record.fixesRolledBack.length + record.fixesFailed.length
        : 0;
      if (triedThisIteration === 0 && !this.options.dryRun) {
        const verdict = this.checkExit('no-fixes');
        if (verdict) return this.finish(verdict);
      }
      return { step: 'iteration-end' };
    }
    this.state.pendingFixes = this.state.pendingFixes.slice(1);
    return { step: this.test.measureBefore && !this.options.dryRun ? 'pretest' : 'implement', fix };
  }

  /** Lets the test phase measure what it will test, right before the fix changes anything. */
  private async stepPretest(fix: Fix): Promise<Cursor> {
    const measureBefore = this.test.measureBefore?.bind(this.test);
    if (!measureBefore) return { step: 'implement', fix };
    const input = {
      fix,
      before: required(this.state.currentMeasurement, 'currentMeasurement'),
      baseline: required(this.state.baselineMeasurement, 'baselineMeasurement'),
      objective: this.options.objective,
    };
    try {
      const before = validate(
        'test (before the fix)',
        AggregateResultSchema,
        await this.runPhase('pretest', () => measureBefore(input, this.phaseContext()), fix),
      );
      return { step: 'implement', fix, before };
    } catch (error) {
      if (this.options.signal?.aborted) throw error;
      this.log.warn(
        `the measurement before ${fix.id} failed (${describeError(error)}); the test compares with the latest measurement instead`,
      );
      return { step: 'implement', fix };
    }
  }

  private async stepImplement(fix: Fix, before?: AggregateResult): Promise<Cursor> {
    const ctx = this.phaseContext();
    if (this.state.fixesAttempted.includes(fix.id) && this.implement.recover) {
      // The run was killed while this fix was being applied: put the files back first.
      await this.runPhase('recover', () => this.implement.recover!(fix, ctx), fix);
    }
    if (!this.state.fixesAttempted.includes(fix.id)) this.state.fixesAttempted.push(fix.id);
    this.store.saveState(this.state);
    let applied: AppliedFix;
    try {
      applied = validate(
        'implement',
        AppliedFixSchema,
        await this.runPhase(
          'implement',
          () => this.implement.run({ fix, dryRun: this.options.dryRun }, ctx),
          fix,
        ),
      );
    } catch (error) {
      if (this.options.signal?.aborted) throw error;
      return this.applyFailed(fix, error, ctx);
    }
    if (this.options.dryRun) {
      this.recordDecision(
        fix,
        'DRY_RUN',
        'next fix',
        'dry run: nothing was changed; the planned changes are in implementation.json',
        undefined,
        { changes: applied.changes },
      );
      return { step: 'select' };
    }
    return { step: 'test', fix, applied, before };
  }

  private async applyFailed(fix: Fix, error: unknown, ctx: PhaseContext): Promise<Cursor> {
    const message = describeError(error);
    if (this.implement.recover) {
      try {
        await this.runPhase('recover', () => this.implement.recover!(fix, ctx), fix);
      } catch (recoverError) {
        this.log.error(
          `restoring after the failed apply of ${fix.id} failed too: ${describeError(recoverError)}`,
        );
        throw recoverError;
      }
    }
    this.state.fixesFailed.push(fix.id);
    this.currentRecord()?.fixesFailed.push(fix.id);
    this.recordDecision(
      fix,
      'APPLY_FAILED',
      'next fix',
      `the fix could not be applied and was rolled back: ${message}`,
    );
    const verdict = this.checkExit('decision');
    return verdict ? this.finish(verdict) : { step: 'select' };
  }

  private async stepTest(fix: Fix, applied: AppliedFix, pretest?: AggregateResult): Promise<Cursor> {
    let result: TestResult;
    try {
      const input = {
        fix,
        applied,
        before: pretest ?? required(this.state.currentMeasurement, 'currentMeasurement'),
        baseline: required(this.state.baselineMeasurement, 'baselineMeasurement'),
        objective: this.options.objective,
        // Earlier MONITOR results of this fix, oldest first: the retest adds to their evidence.
        previous: this.decisions
          .filter(
            (d) => d.fixId === fix.id && d.iteration === this.state.iteration && d.outcome === 'MONITOR',
          )
          .map((d) => ({
            decision: 'MONITOR' as const,
            rationale: d.rationale,
            rule: d.rule,
            evidence: d.evidence,
          })),
      };
      result = validate(
        'test',
        TestResultSchema,
        await this.runPhase('test', () => this.test.run(input, this.phaseContext()), fix),
      );
    } catch (error) {
      if (this.options.signal?.aborted) throw error;
      // A measurement that failed says nothing about the fix: inconclusive, never a rollback.
      result = {
        decision: 'MONITOR',
        rule: 'measurement-failed',
        rationale: `the test could not measure the fix: ${describeError(error)}`,
      };
    }
    return { step: 'decide', fix, applied, test: result, before: pretest };
  }

  private async stepDecide(fix: Fix, applied: AppliedFix, test: TestResult): Promise<Cursor> {
    const record = this.currentRecord();
    // The numbers the judge compared: the test's own measurement before the fix when it took one.
    const objectiveBefore = test.before
      ? objectiveValue(this.options.objective, test.before).value
      : this.state.currentObjective;
    const after = test.after ? objectiveValue(this.options.objective, test.after.metrics).value : null;
    switch (test.decision) {
      case 'KEEP': {
        this.state.monitorCount = 0;
        if (!this.state.fixesSuccessful.includes(fix.id)) this.state.fixesSuccessful.push(fix.id);
        if (!this.state.keptFixes.some((kept) => kept.fixId === fix.id)) this.state.keptFixes.push(applied);
        if (record && !record.fixesKept.includes(fix.id)) record.fixesKept.push(fix.id);
        if (test.after) this.setCurrent(test.after);
        this.dropAlternativesOf(fix);
        this.state.systemChangedAt = test.window?.start ?? this.now().toISOString();
        if (this.isBest(this.state.currentObjective)) {
          this.state.bestObjective = this.state.currentObjective;
          this.state.bestKeptCount = this.state.keptFixes.length;
        }
        const next = this.state.pendingFixes.length > 0 ? 'next fix' : 're-diagnose in the next iteration';
        this.recordDecision(
          fix,
          'KEEP',
          next,
          test.rationale,
          test,
          undefined,
          objectiveBefore,
          this.state.currentObjective,
        );
        break;
      }
      case 'MONITOR': {
        this.state.monitorCount += 1;
        if (this.state.monitorCount <= this.options.maxMonitor) {
          this.recordDecision(
            fix,
            'MONITOR',
            'paused: retest with `ratchet resume`',
            test.rationale,
            test,
            undefined,
            objectiveBefore,
            after,
          );
          this.state.cursor = { step: 'test', fix, applied, before: this.state.cursor.before };
          this.pause(
            null,
            `waiting for a retest of ${fix.id} (inconclusive ${this.state.monitorCount} of ${this.options.maxMonitor + 1} times): ${test.rationale}`,
          );
          return this.state.cursor;
        }
        this.state.monitorCount = 0;
        await this.rollback(fix, applied);
        this.recordDecision(
          fix,
          'ROLLBACK',
          this.queueAlternatives(fix),
          `rolled back after ${this.options.maxMonitor + 1} inconclusive tests: ${test.rationale}`,
          test,
          undefined,
          objectiveBefore,
          after,
        );
        break;
      }
      case 'ROLLBACK':
      case 'MODIFY': {
        this.state.monitorCount = 0;
        await this.rollback(fix, applied);
        const next = test.decision === 'MODIFY' ? 're-diagnose' : this.queueAlternatives(fix);
        if (test.decision === 'MODIFY') this.state.pendingFixes = [];
        this.recordDecision(
          fix,
          test.decision,
          next,
          test.rationale,
          test,
          undefined,
          objectiveBefore,
          after,
        );
        break;
      }
    }
    const verdict = this.checkExit('decision');
    if (verdict) return this.finish(verdict);
    return { step: 'select' };
  }

  private async stepIterationEnd(): Promise<Cursor> {
    this.closeIterationRecord();
    if (this.options.dryRun) {
      return this.finish({
        condition: 'dry_run_complete',
        reason: 'dry run: every eligible fix was shown, nothing was changed',
      });
    }
    const verdict = this.checkExit('iteration-end');
    if (verdict) return this.finish(verdict);
    await this.options.beforeIteration?.(this.state.iteration + 1);
    this.state.iteration += 1;
    return { step: 'aggregate' };
  }

  // ---- helpers -----------------------------------------------------------------------------

  private async finish(verdict: ExitVerdict): Promise<Cursor> {
    if (verdict.restoreBest) await this.restoreBest();
    this.state.status = 'finished';
    this.state.exitCondition = verdict.condition;
    this.state.exitReason = verdict.reason;
    this.closeIterationRecord();
    this.store.journal.append({ type: 'exit', iteration: this.state.iteration, data: { ...verdict } });
    this.events.emit('exit', verdict);
    return { step: 'done' };
  }

  /** Completes the current iteration's record: its final objective and its gain over the best before it. */
  private closeIterationRecord(): void {
    const record = this.currentRecord();
    if (!record || record.endedAt) return;
    const earlier = this.state.iterationHistory
      .filter((r) => r.iteration < record.iteration)
      .map((r) => r.objective)
      .concat([record.objectiveAtStart])
      .filter((v): v is number => v !== null);
    const higher = this.options.objective.direction === 'higher';
    const bestBefore = earlier.length ? (higher ? Math.max(...earlier) : Math.min(...earlier)) : null;
    record.objective = this.state.currentObjective;
    record.metrics = this.state.currentMetrics ?? record.metrics;
    record.improvementPct = improvementPct(this.options.objective, bestBefore, record.objective);
    record.endedAt = this.now().toISOString();
    try {
      const summary = renderIterationSummaryMarkdown(
        record,
        this.decisions.filter((d) => d.iteration === record.iteration),
      );
      writeFileAtomic(join(this.store.iterationDir(record.iteration), 'summary.md'), summary);
    } catch (error) {
      this.log.warn(`could not write the summary of iteration ${record.iteration}: ${describeError(error)}`);
    }
    this.events.emit('iteration:end', { iteration: record.iteration, objective: record.objective });
  }

  /** Rolls back kept fixes, newest first, until only those kept at the best objective remain. */
  private async restoreBest(): Promise<void> {
    while (this.state.keptFixes.length > this.state.bestKeptCount) {
      const applied = this.state.keptFixes.at(-1)!;
      const fix: Fix = this.findFix(applied.fixId) ?? {
        id: applied.fixId,
        priority: 'LOW',
        targets: [],
        actions: [],
      };
      await this.rollback(fix, applied);
      this.state.keptFixes.pop();
      this.state.fixesSuccessful = this.state.fixesSuccessful.filter((id) => id !== applied.fixId);
      this.recordDecision(fix, 'RESTORED', 'stop', 'rolled back to restore the best known state');
      this.store.saveState(this.state);
    }
    this.state.currentObjective = this.state.bestObjective;
  }

  private async rollback(fix: Fix, applied: AppliedFix): Promise<void> {
    this.store.journal.append({ type: 'rollback', iteration: this.state.iteration, fixId: fix.id });
    await this.runPhase('rollback', () => this.implement.rollback(applied, this.phaseContext()), fix);
    if (!this.state.fixesRolledBack.includes(fix.id)) this.state.fixesRolledBack.push(fix.id);
    const record = this.currentRecord();
    if (record && !record.fixesRolledBack.includes(fix.id)) record.fixesRolledBack.push(fix.id);
    this.state.systemChangedAt = this.now().toISOString();
  }

  /** After a rollback, the fix's untried alternatives go first. Returns what happens next, in words. */
  private queueAlternatives(fix: Fix): string {
    const attempted = new Set(this.state.fixesAttempted);
    const alternatives = (this.state.diagnosis?.fixes ?? []).filter(
      (candidate) =>
        !attempted.has(candidate.id) &&
        (candidate.alternativeOf === fix.id ||
          (fix.alternativeOf !== undefined && candidate.id === fix.alternativeOf)),
    );
    if (alternatives.length === 0)
      return this.state.pendingFixes.length > 0 ? 'next fix' : 're-diagnose in the next iteration';
    const ids = new Set(alternatives.map((a) => a.id));
    this.state.pendingFixes = [...alternatives, ...this.state.pendingFixes.filter((f) => !ids.has(f.id))];
    return `try the alternative ${alternatives.map((a) => a.id).join(', ')}`;
  }

  /** Once a fix is kept, the other ways of fixing the same root cause are moot. */
  private dropAlternativesOf(fix: Fix): void {
    const family = new Set([fix.id, ...(fix.alternativeOf ? [fix.alternativeOf] : [])]);
    const dropped = this.state.pendingFixes.filter(
      (candidate) =>
        family.has(candidate.id) ||
        (candidate.alternativeOf !== undefined && family.has(candidate.alternativeOf)),
    );
    if (dropped.length === 0) return;
    this.log.info(`kept ${fix.id}: dropping its alternatives ${dropped.map((d) => d.id).join(', ')}`);
    this.state.pendingFixes = this.state.pendingFixes.filter((candidate) => !dropped.includes(candidate));
  }

  private findFix(id: string): Fix | undefined {
    return this.state.diagnosis?.fixes.find((fix) => fix.id === id);
  }

  private checkExit(checkpoint: ExitCheckpoint): ExitVerdict | undefined {
    return evaluatePolicies(this.policies, this.state, checkpoint, this.now());
  }

  private recordDecision(
    fix: Fix,
    outcome: DecisionRecord['outcome'],
    next: string,
    rationale: string,
    test?: TestResult,
    evidence?: Record<string, unknown>,
    objectiveBefore: number | null = this.state.currentObjective,
    objectiveAfter: number | null = null,
  ): void {
    const record: DecisionRecord = {
      iteration: this.state.iteration,
      at: this.now().toISOString(),
      fixId: fix.id,
      fixName: fix.name,
      priority: fix.priority,
      rootCause: fix.rootCause,
      outcome,
      next,
      rationale,
      rule: test?.rule,
      objectiveBefore,
      objectiveAfter,
      evidence:
        evidence ??
        (test ? { ...test.evidence, indicators: test.indicators, window: test.window } : undefined),
    };
    // A decision repeated after a crash replaces its first record instead of adding a second one.
    const same = this.decisions.findIndex(
      (d) =>
        d.iteration === record.iteration &&
        d.fixId === record.fixId &&
        d.outcome === record.outcome &&
        outcome !== 'MONITOR',
    );
    if (same >= 0) this.decisions[same] = record;
    else this.decisions.push(record);
    this.store.saveDecisions(this.decisions);
    this.events.emit('decision', record);
  }

  private setCurrent(measurement: AggregateResult): void {
    this.state.currentMeasurement = measurement;
    this.state.currentMetrics = measurement.metrics;
    this.state.currentObjective = objectiveValue(this.options.objective, measurement.metrics).value;
  }

  private isBest(value: number | null): boolean {
    if (value === null) return false;
    const best = this.state.bestObjective;
    if (best === null) return true;
    return this.options.objective.direction === 'higher' ? value >= best : value <= best;
  }

  private isThin(measurement: AggregateResult): string | undefined {
    const { denominator, numerator } = objectiveValue(this.options.objective, measurement.metrics);
    const samples = denominator ?? numerator;
    if (this.options.objective.per && (denominator ?? 0) < this.options.minSamples) {
      return `${this.options.objective.per} = ${denominator ?? 0}, below the ${this.options.minSamples} samples the judge needs`;
    }
    return samples === undefined ? 'no data' : undefined;
  }

  private currentRecord(): IterationRecord | undefined {
    return this.state.iterationHistory.find((r) => r.iteration === this.state.iteration);
  }

  private phaseContext(): PhaseContext {
    const iteration = this.state.iteration;
    const events = this.events;
    return {
      iteration,
      runDir: this.store.iterationDir(iteration),
      outDir: this.store.outDir,
      signal: this.options.signal ?? new AbortController().signal,
      log: this.log,
      events,
      state: this.state,
      measure: async (window: TimeWindow) => {
        const which = this.activePhase === 'pretest' ? 'before' : 'after';
        const label = this.state.cursor.fix
          ? `measure-${which}-${safeName(this.state.cursor.fix.id)}`
          : 'measure';
        const result = await this.aggregate.run(
          { window, purpose: 'test' },
          { ...this.phaseContext(), runDir: join(this.store.iterationDir(iteration), label) },
        );
        return validate('aggregate', AggregateResultSchema, result);
      },
      progress: (message, done, total) =>
        events.emit('phase:progress', { phase: this.activePhase, message, done, total }),
    };
  }

  private async runPhase<T>(
    phase: PhaseKind | 'pretest' | 'rollback' | 'recover',
    work: () => Promise<T>,
    fix?: Fix,
  ): Promise<T> {
    const iteration = this.state.iteration;
    const started = Date.now();
    this.activePhase = phase;
    this.events.emit('phase:start', { phase, iteration, fix });
    try {
      const result = await work();
      this.events.emit('phase:end', { phase, iteration, durationMs: Date.now() - started });
      return result;
    } catch (error) {
      const wrapped = error instanceof Error ? error : new Error(String(error));
      this.events.emit('phase:failure', { phase, iteration, error: wrapped });
      throw error;
    }
  }
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
}

function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) {
    throw new RatchetError('STATE_INVALID', `the run state has no ${what} where the loop needs one`);
  }
  return value;
}

function validate<T>(
  phase: string,
  schema: {
    safeParse(
      value: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  throw new RatchetError(
    'PHASE_INVALID_OUTPUT',
    `the ${phase} phase returned an invalid result: ${problems.join('; ')}`,
  );
}

export function initialState(objective: Objective, now: Date): LoopState {
  const at = now.toISOString();
  return {
    version: 1,
    runId: randomUUID(),
    startedAt: at,
    updatedAt: at,
    iteration: 1,
    status: 'running',
    exitCondition: null,
    exitReason: null,
    objective,
    baselineMetrics: null,
    baselineObjective: null,
    currentMetrics: null,
    currentObjective: null,
    bestObjective: null,
    currentMeasurement: null,
    baselineMeasurement: null,
    systemChangedAt: null,
    iterationHistory: [],
    diagnosis: null,
    pendingFixes: [],
    fixesAttempted: [],
    fixesSuccessful: [],
    fixesRolledBack: [],
    fixesFailed: [],
    keptFixes: [],
    bestKeptCount: 0,
    monitorCount: 0,
    cursor: { step: 'aggregate' },
    policyState: {},
    lastError: null,
  };
}
