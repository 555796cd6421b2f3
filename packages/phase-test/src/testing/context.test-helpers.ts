import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AggregateResult,
  LoopEvents,
  type PhaseContext,
  silentLogger,
  type TimeWindow,
} from '@ratchet/core';

export interface TestContext extends PhaseContext {
  measured: TimeWindow[];
  progressMessages: string[];
}

/** A PhaseContext whose measure() is given by the test, writing into a fresh temp folder. */
export function makeContext(
  measure: (window: TimeWindow) => Promise<AggregateResult>,
  iteration = 1,
): TestContext {
  const outDir = mkdtempSync(join(tmpdir(), 'ratchet-test-phase-'));
  const measured: TimeWindow[] = [];
  const progressMessages: string[] = [];
  return {
    iteration,
    runDir: join(outDir, 'iterations', String(iteration).padStart(2, '0')),
    outDir,
    signal: new AbortController().signal,
    log: silentLogger,
    events: new LoopEvents(),
    state: {} as PhaseContext['state'],
    measured,
    progressMessages,
    async measure(window) {
      measured.push(window);
      return measure(window);
    },
    progress(message) {
      progressMessages.push(message);
    },
  };
}

/**
 * A tiny "system log": one line per refreshed item (`<iso time>\t<ratingKey>\t<ok|fail>`), and an
 * aggregate that reads it back for a window, the way the real aggregate phase reads agent logs.
 */
export class ItemLog {
  readonly path: string;

  constructor(folder = mkdtempSync(join(tmpdir(), 'ratchet-item-log-'))) {
    this.path = join(folder, 'agent.log');
  }

  write(ratingKey: string, ok: boolean): void {
    appendFileSync(this.path, `${new Date().toISOString()}\t${ratingKey}\t${ok ? 'ok' : 'fail'}\n`);
  }

  measure(window: TimeWindow): AggregateResult {
    const start = window.start ? Date.parse(window.start) : Number.NEGATIVE_INFINITY;
    const end = window.end ? Date.parse(window.end) : Number.POSITIVE_INFINITY;
    const text = existsSync(this.path) ? readFileSync(this.path, 'utf8') : '';
    const items: { item: string; ok: boolean }[] = [];
    for (const line of text.split('\n')) {
      const [at, item, outcome] = line.split('\t');
      if (!at || !item) continue;
      const time = Date.parse(at);
      if (time >= start && time < end) items.push({ item, ok: outcome === 'ok' });
    }
    const failures = items.filter((entry) => !entry.ok).length;
    return {
      window,
      metrics: { searchOps: items.length, titleMatchFailures: failures },
      errorTypes: [],
      items,
    };
  }
}
