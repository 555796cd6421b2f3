import { join } from 'node:path';
import type { LoopEvents } from '../contracts/events.js';
import type { Logger } from '../contracts/logger.js';
import type { AggregatePhase, PhaseContext, PhaseKind } from '../contracts/phase.js';
import type { AggregateResult, Fix, TimeWindow } from '../contracts/schemas.js';
import type { LoopState } from '../contracts/state.js';
import { type ResultOf, validateResult } from '../phases/subprocess/result-schemas.js';
import type { RunStore } from '../state/run-store.js';

export type PhaseStep = PhaseKind | 'pretest' | 'preview' | 'rollback' | 'recover';

/**
 * Runs one phase call: announces it, builds its context, and checks its output with the one
 * validator every phase result goes through (the same schemas a subprocess phase's JSON meets).
 */
export class PhaseRunner {
  private active: PhaseStep = 'aggregate';

  constructor(
    private readonly deps: {
      store: RunStore;
      events: LoopEvents;
      log: Logger;
      aggregate: AggregatePhase;
      signal?: AbortSignal;
      /** Aborted by the first stop request: a phase may end long work early (the loop then pauses). */
      stopSignal?: AbortSignal;
      state: () => LoopState;
    },
  ) {}

  /** Runs a phase whose result has a schema, and validates it. */
  async produce<K extends PhaseKind>(
    kind: K,
    step: PhaseStep,
    work: (ctx: PhaseContext) => Promise<unknown>,
    fix?: Fix,
  ): Promise<ResultOf<K>> {
    const raw = await this.run(step, work, fix);
    return validateResult(kind, raw, `the result of the ${step === kind ? kind : `${step} (${kind})`} phase`);
  }

  /** Runs a phase call and reports its start, end or failure. */
  async run<T>(step: PhaseStep, work: (ctx: PhaseContext) => Promise<T>, fix?: Fix): Promise<T> {
    const iteration = this.deps.state().iteration;
    const started = Date.now();
    this.active = step;
    this.deps.events.emit('phase:start', { phase: step, iteration, fix });
    try {
      const result = await work(this.context());
      this.deps.events.emit('phase:end', { phase: step, iteration, durationMs: Date.now() - started });
      return result;
    } catch (error) {
      const wrapped = error instanceof Error ? error : new Error(String(error));
      this.deps.events.emit('phase:failure', { phase: step, iteration, error: wrapped });
      throw error;
    }
  }

  context(): PhaseContext {
    const { store, events, log } = this.deps;
    const state = this.deps.state();
    const iteration = state.iteration;
    return {
      iteration,
      runDir: store.iterationDir(iteration),
      outDir: store.outDir,
      signal: this.deps.signal ?? new AbortController().signal,
      ...(this.deps.stopSignal ? { stopSignal: this.deps.stopSignal } : {}),
      log,
      events,
      state,
      measure: async (window: TimeWindow): Promise<AggregateResult> => {
        const which = this.active === 'pretest' ? 'before' : 'after';
        const fix = state.cursor.fix;
        const label = fix ? `measure-${which}-${safeName(fix.id)}` : 'measure';
        const result = await this.deps.aggregate.run(
          { window, purpose: 'test' },
          { ...this.context(), runDir: join(store.iterationDir(iteration), label) },
        );
        return validateResult('aggregate', result, 'the result of the aggregate phase (a test measurement)');
      },
      progress: (message, done, total) =>
        events.emit('phase:progress', { phase: this.active, message, done, total }),
    };
  }
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
}
