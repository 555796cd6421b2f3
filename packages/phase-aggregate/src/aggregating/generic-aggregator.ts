import type { AggregateResult, ErrorType } from '@ratchet/core';
import { RatchetError } from '@ratchet/core';
import { TemplateMiner } from '../mining/template-miner.js';
import { discoverLogFiles } from '../reading/discover.js';
import { type ReadProblem, readLines } from '../reading/line-reader.js';
import { computeRates } from './plex-aggregator.js';

export interface GenericMetricRule {
  name: string;
  /** A regular expression tested on the message. */
  message: string;
  levels?: string[];
}

export interface AggregateGenericLogsOptions {
  paths: string[];
  /** A regular expression with named groups `message` and, optionally, `ts` and `level`. */
  lineFormat: string;
  metrics?: GenericMetricRule[];
  window?: { start?: string; end?: string };
  signal?: AbortSignal;
}

const ERROR_LEVELS = new Set(['ERROR', 'CRITICAL', 'FATAL', 'SEVERE', 'ERR', 'CRIT', 'EMERG', 'ALERT']);

export function compileLineFormat(lineFormat: string, where = 'lineFormat'): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(lineFormat);
  } catch (error) {
    throw new RatchetError(
      'INPUT_INVALID',
      `${where}: invalid regular expression: ${(error as Error).message}`,
    );
  }
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
  const rules = (options.metrics ?? []).map((rule, index) => {
    try {
      return {
        ...rule,
        regex: new RegExp(rule.message),
        levelSet: rule.levels ? new Set(rule.levels) : undefined,
      };
    } catch (error) {
      throw new RatchetError(
        'INPUT_INVALID',
        `metrics[${index}].message: invalid regular expression: ${(error as Error).message}`,
      );
    }
  });
  const start = options.window?.start === undefined ? undefined : Date.parse(options.window.start);
  const end = options.window?.end === undefined ? undefined : Date.parse(options.window.end);
  const metrics: Record<string, number> = { records: 0, errorRecords: 0, unparsedLines: 0 };
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
        metrics.records = (metrics.records ?? 0) + 1;
        for (const rule of rules) {
          if (rule.levelSet && (level === undefined || !rule.levelSet.has(level))) continue;
          if (rule.regex.test(message)) metrics[rule.name] = (metrics[rule.name] ?? 0) + 1;
        }
        if (level !== undefined && ERROR_LEVELS.has(level)) {
          metrics.errorRecords = (metrics.errorRecords ?? 0) + 1;
          const cluster = miner.add(message);
          const existing = errorTypes.get(cluster.id);
          if (existing) existing.count += 1;
          else
            errorTypes.set(cluster.id, {
              id: '',
              category: 'unknown',
              count: 1,
              level,
              examples: [line.slice(0, 2000)],
              files: [file.path],
            });
          const errorType = errorTypes.get(cluster.id);
          if (errorType && (errorType.files ?? []).length < 50 && !errorType.files?.includes(file.path))
            errorType.files?.push(file.path);
          if (errorType && (errorType.examples ?? []).length < 3 && !errorType.examples?.includes(line))
            errorType.examples?.push(line.slice(0, 2000));
        }
      },
      { signal: options.signal },
    );
    files.push({ path: file.path, lines: stats.lines });
    problems.push(...fileProblems);
  }
  const types: ErrorType[] = [];
  for (const [clusterId, errorType] of errorTypes) {
    const cluster = miner.clusters()[clusterId - 1];
    const template = cluster ? TemplateMiner.template(cluster) : '<*>';
    types.push({ ...errorType, id: `unknown:${template.slice(0, 80)}`, template });
  }
  types.sort((a, b) => b.count - a.count);
  return {
    window: options.window ?? {},
    files,
    metrics,
    rates: computeRates(metrics),
    errorTypes: types,
    problems: problems.map((problem) => ({ ...problem })),
  };
}
