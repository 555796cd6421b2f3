import { readFile } from 'node:fs/promises';
import type { AggregateResult, ErrorType, ItemOutcome } from '@ratchet/core';
import { compileUserRegex, RatchetError, redactText, type UserRegex } from '@ratchet/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TemplateMiner } from '../mining/template-miner.js';
import { discoverLogFiles } from '../reading/discover.js';
import { type ReadProblem, readLines } from '../reading/line-reader.js';
import { detach } from './detach.js';
import { computeRates } from './rates/compute-rates.js';

export interface GenericMetricRule {
  name: string;
  /** A regular expression tested on the message. */
  message: string;
  levels?: string[];
  /** A record matched by this rule marks its item (the `item` group) as failed. */
  failure?: boolean;
}

// Per-item outcomes serve the test phase's paired judgement, which reads short windows; over a whole
// log the list is informational. A bigger list costs memory and, for every operation, a lookup in a
// table too big for the CPU caches (with 100,000 it took a tenth of the aggregate's time).
const MAX_ITEMS = 20_000;
const MAX_ITEMS_PER_TYPE = 200;

const GenericMetricRuleSchema = z
  .object({
    name: z.string().min(1),
    message: z.string().min(1),
    levels: z.array(z.string().min(1)).optional(),
    failure: z.boolean().optional(),
  })
  .strict();
const MetricRuleListSchema = z.array(GenericMetricRuleSchema);

/**
 * Reads the metric rules of the generic preset from a YAML or JSON file: a list of
 * `{name, message, levels?, failure?}`, or `{metrics: [...]}` / `{rules: [...]}`.
 */
export async function loadMetricRuleFile(path: string): Promise<GenericMetricRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RatchetError(
      'INPUT_INVALID',
      `cannot read metric rule file ${path}: ${(error as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new RatchetError(
      'INPUT_INVALID',
      `metric rule file ${path} does not parse: ${(error as Error).message}`,
    );
  }
  // A list, or the list under `metrics` or `rules`: validated as a list so that errors name the rule.
  const record =
    typeof data === 'object' && data !== null && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : undefined;
  const key = record === undefined ? undefined : 'metrics' in record ? 'metrics' : 'rules';
  const list = record === undefined ? data : record[key ?? 'rules'];
  const parsed = MetricRuleListSchema.safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = [...(key === undefined ? [] : [key]), ...(issue?.path ?? [])].join('.');
    throw new RatchetError(
      'INPUT_INVALID',
      `metric rule file ${path}: ${where || '(root)'}: ${issue?.message ?? 'invalid'}`,
      {
        hint: 'a list of {name, message, levels?, failure?}, or that list under "metrics"; message is a regular expression',
      },
    );
  }
  const rules = parsed.data;
  rules.forEach((rule, index) => {
    compileMetricRegex(rule.message, `metric rule file ${path}: [${index}] (${rule.name}).message`);
  });
  return rules;
}

function compileMetricRegex(pattern: string, where: string): UserRegex {
  return compileUserRegex(pattern, where, { hot: true });
}

export interface AggregateGenericLogsOptions {
  paths: string[];
  /** A regular expression with named groups `message` and, optionally, `ts` and `level`. */
  lineFormat: string;
  metrics?: GenericMetricRule[];
  window?: { start?: string; end?: string };
  maxLineChars?: number;
  signal?: AbortSignal;
}

/** What the generic preset counts without any metric rule. */
export const GENERIC_BASE_METRICS = ['records', 'errorRecords', 'unparsedLines'] as const;

const ERROR_LEVELS = new Set(['ERROR', 'CRITICAL', 'FATAL', 'SEVERE', 'ERR', 'CRIT', 'EMERG', 'ALERT']);

export function compileLineFormat(lineFormat: string, where = 'lineFormat'): UserRegex {
  const regex = compileUserRegex(lineFormat, where, { hot: true });
  if (!lineFormat.includes('(?<message>')) {
    throw new RatchetError(
      'INPUT_INVALID',
      `${where}: the regular expression needs a named group (?<message>...)`,
    );
  }
  return regex;
}

/**
 * The generic preset: any log whose records match `lineFormat`. Lines that do not match continue
 * the previous record. Metrics are counted by the configured rules; records at an error level are
 * grouped into error types by the template miner.
 */
export async function aggregateGenericLogs(options: AggregateGenericLogsOptions): Promise<AggregateResult> {
  const format = compileLineFormat(options.lineFormat);
  const rules = (options.metrics ?? []).map((rule, index) => ({
    ...rule,
    regex: compileMetricRegex(rule.message, `metrics[${index}] (${rule.name}).message`),
    levelSet: rule.levels ? new Set(rule.levels.map((level) => level.toUpperCase())) : undefined,
  }));
  const hasItems = format.source.includes('(?<item>');
  const items = new Map<string, boolean>();
  let itemsDropped = 0;
  const typeItems = new Map<number, Set<string>>();
  const start = options.window?.start === undefined ? undefined : Date.parse(options.window.start);
  const end = options.window?.end === undefined ? undefined : Date.parse(options.window.end);
  const metrics: Record<string, number> = Object.fromEntries(GENERIC_BASE_METRICS.map((name) => [name, 0]));
  for (const rule of rules) metrics[rule.name] = 0;
  const miner = new TemplateMiner({ maxClusters: 2000 });
  const errorTypes = new Map<number, ErrorType>();
  const problems: ReadProblem[] = [];
  const files: Array<{ path: string; lines: number }> = [];
  const { files: found, problems: discoverProblems } = await discoverLogFiles(options.paths);
  problems.push(...discoverProblems);
  for (const file of found) {
    let sawRecord = false;
    const { stats, problems: fileProblems } = await readLines(
      file.path,
      (line) => {
        const match = format.exec(line);
        if (!match) {
          if (!sawRecord && line.length > 0) metrics.unparsedLines = (metrics.unparsedLines ?? 0) + 1;
          return;
        }
        sawRecord = true;
        const groups = match.groups ?? {};
        if (groups.ts !== undefined && (start !== undefined || end !== undefined)) {
          const time = Date.parse(groups.ts);
          if (
            !Number.isNaN(time) &&
            ((start !== undefined && time < start) || (end !== undefined && time >= end))
          )
            return;
        }
        const message = groups.message ?? line;
        const level = groups.level?.toUpperCase();
        const item = hasItems && groups.item ? groups.item : undefined;
        metrics.records = (metrics.records ?? 0) + 1;
        let failed = false;
        for (const rule of rules) {
          if (rule.levelSet && (level === undefined || !rule.levelSet.has(level))) continue;
          if (rule.regex.test(message)) {
            metrics[rule.name] = (metrics[rule.name] ?? 0) + 1;
            if (rule.failure) failed = true;
          }
        }
        const isError = level !== undefined && ERROR_LEVELS.has(level);
        if (item !== undefined) {
          const known = items.get(item);
          if (known === undefined) {
            if (items.size < MAX_ITEMS) items.set(detach(item), !(failed || isError));
            else itemsDropped += 1;
          } else if (known && (failed || isError)) items.set(item, false);
        }
        if (isError) {
          metrics.errorRecords = (metrics.errorRecords ?? 0) + 1;
          // A mined template or a kept example outlives its line: no secret may ride along.
          const cluster = miner.add(redactText(message));
          if (item !== undefined) {
            const set = typeItems.get(cluster.id) ?? new Set<string>();
            if (set.size < MAX_ITEMS_PER_TYPE) set.add(detach(item));
            typeItems.set(cluster.id, set);
          }
          const existing = errorTypes.get(cluster.id);
          if (existing) existing.count += 1;
          else
            errorTypes.set(cluster.id, {
              id: '',
              category: 'unknown',
              count: 1,
              level,
              examples: [redactText(line.slice(0, 2000))],
              files: [file.path],
            });
          const errorType = errorTypes.get(cluster.id);
          if (errorType && (errorType.files ?? []).length < 50 && !errorType.files?.includes(file.path))
            errorType.files?.push(file.path);
          if (errorType && (errorType.examples ?? []).length < 3) {
            const example = redactText(line.slice(0, 2000));
            if (!errorType.examples?.includes(example)) errorType.examples?.push(example);
          }
        }
      },
      { signal: options.signal, maxLineChars: options.maxLineChars },
    );
    files.push({ path: file.path, lines: stats.lines });
    problems.push(...fileProblems);
  }
  const types: ErrorType[] = [];
  for (const [clusterId, errorType] of errorTypes) {
    const cluster = miner.clusters()[clusterId - 1];
    const template = cluster ? TemplateMiner.template(cluster) : '<*>';
    const named = typeItems.get(clusterId);
    types.push({
      ...errorType,
      id: `unknown:${template.slice(0, 80)}`,
      template,
      ...(named && named.size > 0 ? { items: [...named] } : {}),
    });
  }
  types.sort((a, b) => b.count - a.count);
  const outcomes: ItemOutcome[] = [...items.entries()].map(([item, ok]) => ({ item, ok }));
  const reported: Array<{ file?: string; kind: string; message: string }> = problems.map((problem) => ({
    ...problem,
  }));
  if (itemsDropped > 0) {
    reported.push({
      kind: 'items-capped',
      message: `more than ${MAX_ITEMS} items: ${itemsDropped} record(s) of further items were not listed in items`,
    });
  }
  return {
    ...(hasItems ? { items: outcomes } : {}),
    window: options.window ?? {},
    files,
    metrics,
    rates: computeRates(metrics),
    errorTypes: types,
    problems: reported,
  };
}
