import type { AggregateResult } from '@ratchet/core';
import type { LogRule } from '@ratchet/plex';
import type { ReadProblem, ReadStats } from '../reading/line-reader.js';
import { PlexBytePath } from './byte-path/byte-path.js';
import { PlexLineClassifier } from './byte-path/line-classifier.js';
import { PlexRecordState } from './record-state/record-state.js';
import type { PlexWindow } from './record-state/window.js';
import { PlexTextPath } from './text-path/text-path.js';

export { computeRates } from './rates/compute-rates.js';
export { type MetricCounts, PLEX_METRICS, type PlexMetric } from './record-state/metric-counts.js';
export type { PlexWindow } from './record-state/window.js';

export interface PlexAggregatorOptions {
  window?: PlexWindow;
  /** User rules, tried before the built-in Plex rules. */
  rules?: readonly LogRule[];
}

/**
 * Streams Plex plug-in log lines into metrics, error types and per-item outcomes. Feed it with
 * `beginFile`, for every line `lineBytes` or `lineAt` or else `line`, `endFile`; then `result()`.
 * The three input paths share one record state, so they give the same result. Memory is bounded:
 * error types, items, open operations and examples are capped.
 */
export class PlexAggregator {
  private readonly state: PlexRecordState;
  private readonly text: PlexTextPath;
  private readonly bytes: PlexBytePath;

  constructor(options: PlexAggregatorOptions = {}) {
    const rules = options.rules ?? [];
    this.state = new PlexRecordState(options.window, rules);
    const classifier = new PlexLineClassifier(rules);
    this.text = new PlexTextPath(this.state, classifier, rules);
    this.bytes = new PlexBytePath(this.state, classifier);
  }

  beginFile(path: string, agent: string): void {
    this.state.beginFile(path, agent);
  }

  /** Records what the reader saw and the problems it met for the current file. */
  fileRead(stats: ReadStats, problems: readonly ReadProblem[]): void {
    this.state.fileRead(stats, problems);
  }

  addProblems(problems: readonly ReadProblem[]): void {
    this.state.addProblems(problems);
  }

  endFile(): void {
    this.state.endFile();
  }

  /** A line inside a decoded chunk (`readLines`' `onLineAt`); false: it needs `line()`. */
  lineAt(text: string, start: number, end: number): boolean {
    return this.text.lineAt(text, start, end);
  }

  /** A line of a clean byte region (`readLines`' `onLineBytes`); false: it needs `line()`. */
  lineBytes(bytes: Buffer, start: number, end: number): boolean {
    return this.bytes.lineBytes(bytes, start, end);
  }

  /**
   * Call when the bytes given to `lineBytes` and the like are about to be reused (the reader's
   * `afterChunk`): the only thing kept from them, the last record's timestamp, is decoded now.
   */
  releaseBytes(): void {
    this.state.releaseBytes();
  }

  line(line: string): void {
    this.text.line(line);
  }

  /** The measurement so far (call after the last `endFile`). */
  result(windowIso?: { start?: string; end?: string }): AggregateResult {
    return this.state.result(windowIso);
  }
}
