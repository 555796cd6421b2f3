import { resolve } from 'node:path';
import { describeError, isRatchetError, RatchetError, writeFileAtomic } from '@ratchet/core';
import { compileLineFormat } from '../aggregating/generic-aggregator.js';
import { measure } from '../phase/aggregate-phase.js';
import { parseAggregateOptions } from '../phase/options.js';
import { renderAggregateMarkdown } from '../report/markdown.js';
import { resolveWindow } from '../window/resolve-window.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface AggregateCommandOptions {
  paths: string[];
  preset?: string;
  since?: string;
  until?: string;
  agents?: string[];
  format: 'json' | 'md';
  output?: string;
  /** Plex preset: error rule files. Generic preset: metric rule files (`{name, message, levels?, failure?}`). */
  rules?: string[];
  /** The generic preset's line format: a JavaScript regex with named groups `message`, and `ts`, `level`, `item`. */
  lineFormat?: string;
  /** Plex preset: also read `Plex Media Server.log` into a separate `serverLog` breakdown. */
  includeServerLog?: boolean;
}

/** Prints a RatchetError (or any error) and returns the exit code: 2 for bad usage, 1 otherwise. */
export function reportCommandError(error: unknown, io: CommandIo, command: string): number {
  io.stderr.write(`ratchet ${command}: ${describeError(error)}\n`);
  return isRatchetError(error) && error.isUsageError ? 2 : 1;
}

/**
 * `ratchet aggregate PATH... [--preset plex] [--since 24h] [--until T] [--agent ID] [--format json|md]
 * [--output F] [--rules FILE]`. With `--format json` stdout holds exactly one JSON document.
 */
export async function runAggregateCommand(opts: AggregateCommandOptions, io: CommandIo): Promise<number> {
  try {
    if (opts.format !== 'json' && opts.format !== 'md') {
      throw new RatchetError('USAGE', `--format: ${JSON.stringify(opts.format)} is not one of json, md`);
    }
    const preset = opts.preset ?? 'plex';
    if (preset !== 'plex' && preset !== 'generic') {
      throw new RatchetError('USAGE', `--preset: ${JSON.stringify(opts.preset)} is not one of plex, generic`);
    }
    if (preset === 'generic') {
      if (opts.lineFormat === undefined || opts.lineFormat.length === 0) {
        throw new RatchetError('USAGE', '--line-format: the generic preset needs a line-format regex', {
          hint: 'a JavaScript regular expression with a named group (?<message>...), and optionally (?<ts>...), (?<level>...), (?<item>...)',
        });
      }
      if (opts.paths.length === 0)
        throw new RatchetError('USAGE', 'PATH: the generic preset needs log files or folders');
      if (opts.agents && opts.agents.length > 0)
        throw new RatchetError('USAGE', '--agent: bundle ids apply to the plex preset only');
      if (opts.includeServerLog)
        throw new RatchetError(
          'USAGE',
          '--include-server-log: the server log applies to the plex preset only',
        );
      compileLineFormat(opts.lineFormat, '--line-format');
    } else if (opts.lineFormat !== undefined) {
      throw new RatchetError(
        'USAGE',
        '--line-format: applies to the generic preset only (add --preset generic)',
      );
    }
    const options = parseAggregateOptions(
      {
        preset,
        ...(opts.paths.length > 0 ? { logs: opts.paths } : {}),
        ...(opts.agents && opts.agents.length > 0 ? { agents: opts.agents } : {}),
        ...(opts.rules && opts.rules.length > 0 ? { rules: opts.rules } : {}),
        ...(opts.lineFormat !== undefined ? { lineFormat: opts.lineFormat } : {}),
        ...(opts.includeServerLog ? { includeServerLog: true } : {}),
      },
      process.cwd(),
    );
    const window = resolveWindow({ since: opts.since, until: opts.until });
    const result = await measure({ options, window });
    if ((result.files ?? []).length === 0) {
      const looked = Array.isArray(options.logs) ? options.logs.join(', ') : String(options.logs ?? '');
      throw new RatchetError(
        'INPUT_INVALID',
        `no log files found in ${looked || 'the default Plex log folder'}`,
        {
          hint: "give the server's data folder, its Logs or PMS Plugin Logs folder, or log files; or set PLEX_MEDIA_SERVER_LOG_DIR or PLEX_DATA_DIR. Only legacy plug-in agents (com.plexapp.agents.*) write these logs: the newer tv.plex.agents.* do not",
          details: { problems: result.problems },
        },
      );
    }
    const { files, metrics, rates, errorTypes } = result;
    const text =
      opts.format === 'json'
        ? `${JSON.stringify({ window: result.window, files, metrics, rates, errorTypes, items: result.items, ...(result.serverLog !== undefined ? { serverLog: result.serverLog } : {}), problems: result.problems }, null, 2)}\n`
        : renderAggregateMarkdown(result);
    if (opts.output !== undefined) {
      await writeFileAtomic(resolve(opts.output), text);
      io.stderr.write(`ratchet aggregate: wrote ${opts.output}\n`);
    } else io.stdout.write(text);
    for (const problem of result.problems ?? []) io.stderr.write(`warning: ${problem.message}\n`);
    return 0;
  } catch (error) {
    return reportCommandError(error, io, 'aggregate');
  }
}
