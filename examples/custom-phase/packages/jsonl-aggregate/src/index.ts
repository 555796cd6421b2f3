import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type AggregateInput,
  type AggregatePhase,
  type AggregateResult,
  type ErrorType,
  type PhaseContext,
  RatchetError,
  TOKENS,
  writeFileAtomic,
  writeJsonAtomic,
} from '@ratchet/core';
import { inject, injectable } from 'tsyringe';
import { type JsonLinesOptions, parseJsonLinesOptions } from './options.js';

export { type JsonLinesOptions, JsonLinesOptionsSchema, parseJsonLinesOptions } from './options.js';

const MAX_ITEMS = 100_000;
const MAX_EXAMPLES = 3;

/**
 * An aggregate phase for JSON-lines logs (one JSON object per line with `ts`, `level` and any other
 * fields). Metrics: `lines`, `records` (lines naming an item), `errors` (lines at an error level),
 * `unparsedLines`. Error types group error lines by the `groupBy` field. Built by the run's DI
 * container: the options and the config folder are injected by token.
 */
@injectable()
export default class JsonLinesAggregatePhase implements AggregatePhase {
  readonly name = 'jsonl-aggregate';
  readonly options: JsonLinesOptions;
  private readonly logPaths: string[];

  constructor(
    @inject(TOKENS.PhaseOptions) rawOptions: Record<string, unknown>,
    @inject(TOKENS.ConfigDir) configDir: string,
  ) {
    this.options = parseJsonLinesOptions(rawOptions);
    this.logPaths = this.options.logs.map((path) => resolve(configDir, path));
  }

  async run(input: AggregateInput, ctx: PhaseContext): Promise<AggregateResult> {
    const start = input.window?.start === undefined ? undefined : Date.parse(input.window.start);
    const end = input.window?.end === undefined ? undefined : Date.parse(input.window.end);
    const errorLevels = new Set(this.options.errorLevels);
    const metrics = { lines: 0, records: 0, errors: 0, unparsedLines: 0 };
    const errorTypes = new Map<string, ErrorType>();
    const items = new Map<string, boolean>();
    const files = this.logFiles();

    for (const file of files) {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        if (ctx.signal.aborted) throw new RatchetError('INTERRUPTED', 'jsonl-aggregate: stopped');
        if (line.trim() === '') continue;
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          metrics.unparsedLines += 1;
          continue;
        }
        const time = typeof entry.ts === 'string' ? Date.parse(entry.ts) : Number.NaN;
        if (
          !Number.isNaN(time) &&
          ((start !== undefined && time < start) || (end !== undefined && time >= end))
        )
          continue;
        metrics.lines += 1;
        const item = entry[this.options.itemField];
        const isError = typeof entry.level === 'string' && errorLevels.has(entry.level);
        if (typeof item === 'string' || typeof item === 'number') {
          metrics.records += 1;
          const key = String(item);
          if (items.has(key) || items.size < MAX_ITEMS) items.set(key, (items.get(key) ?? true) && !isError);
        }
        if (!isError) continue;
        metrics.errors += 1;
        const group = String(entry[this.options.groupBy] ?? 'unknown');
        const id = `${this.options.category}:${group}`;
        const type = errorTypes.get(id) ?? {
          id,
          category: this.options.category,
          template: group,
          count: 0,
          examples: [],
          items: [],
          firstSeen: typeof entry.ts === 'string' ? entry.ts : undefined,
        };
        type.count += 1;
        if (typeof entry.ts === 'string') type.lastSeen = entry.ts;
        if ((type.examples ?? []).length < MAX_EXAMPLES) type.examples?.push(line.slice(0, 2000));
        if (item !== undefined && (type.items ?? []).length < 200) type.items?.push(String(item));
        errorTypes.set(id, type);
      }
    }

    const result: AggregateResult = {
      window: input.window ?? {},
      files: files.map((path) => ({ path })),
      metrics,
      errorTypes: [...errorTypes.values()].sort((a, b) => b.count - a.count),
      items: [...items].map(([item, ok]) => ({ item, ok })),
    };
    // The test phase measures through this phase too: only the loop's own measurements are reports.
    if (input.purpose !== 'test') {
      writeJsonAtomic(join(ctx.runDir, 'aggregate.json'), result);
      writeFileAtomic(join(ctx.runDir, 'aggregate.md'), renderMarkdown(result));
    }
    return result;
  }

  private logFiles(): string[] {
    const files: string[] = [];
    for (const path of this.logPaths) {
      let isFolder: boolean;
      try {
        isFolder = statSync(path).isDirectory();
      } catch {
        throw new RatchetError('INPUT_INVALID', `jsonl-aggregate: logs: ${path} does not exist`, {
          hint: 'run the job once (node bin/job.mjs) so that there is a log to measure',
        });
      }
      if (!isFolder) files.push(path);
      else
        for (const name of readdirSync(path).sort())
          if (name.endsWith('.jsonl')) files.push(join(path, name));
    }
    return files;
  }
}

function renderMarkdown(result: AggregateResult): string {
  const cell = (text: string) => text.replace(/[`|\\]/g, (c) => `\\${c}`);
  const rows = result.errorTypes.map((type) => `| ${cell(type.id)} | ${type.count} |`);
  return [
    '# Measurement (jsonl-aggregate)',
    '',
    ...Object.entries(result.metrics).map(([name, value]) => `- ${name}: ${value}`),
    '',
    '| error type | count |',
    '| --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
