import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import {
  AggregateResultSchema,
  type DiagnoseInput,
  type Diagnosis,
  DiagnosisSchema,
  isRatchetError,
  type Logger,
  RatchetError,
  redactText,
  writeFileAtomic,
} from '@ratchet/core';
import { z } from 'zod';
import { diagnose } from '../phase/diagnose-phase.js';
import { DEFAULT_THRESHOLDS } from '../ranking/rank-fixes.js';
import { renderReport } from '../report/render-report.js';
import { loadRuleSet } from '../rules/load-rules.js';

export interface DiagnoseCommandOptions {
  /** An AggregateResult JSON file (or a whole DiagnoseInput). */
  input: string;
  mode?: 'full' | 'focused';
  /** A previous diagnosis.json, for focused mode. */
  previous?: string;
  /** Where to write the result; stdout when absent. */
  output?: string;
  /** Extra rule files, relative to the current folder. */
  rules?: string[];
  /** Default: from the output's extension (.md), else json. */
  format?: 'json' | 'md';
  /** Leave out the built-in Plex knowledge base. */
  builtin?: boolean;
}

export interface CommandIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RatchetError(
      'INPUT_INVALID',
      `${file}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RatchetError(
      'INPUT_INVALID',
      `${file}: the ${what} is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function parseWith<T>(schema: z.ZodType<T>, data: unknown, file: string, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new RatchetError('INPUT_INVALID', `${file}: not ${what}:\n${z.prettifyError(parsed.error)}`, {
      hint:
        what === 'an AggregateResult'
          ? 'Give the aggregate.json written by `ratchet aggregate` or a run.'
          : undefined,
    });
  }
  return parsed.data;
}

function stderrLogger(io: CommandIO): Logger {
  const write = (level: string) => (message: string) => {
    io.stderr.write(`${level}: ${message}\n`);
  };
  return { debug() {}, info() {}, warn: write('warning'), error: write('error') };
}

/** `ratchet diagnose --input AGGREGATE.json [--mode full|focused] [--previous F] [--output F]`. */
export async function runDiagnoseCommand(options: DiagnoseCommandOptions, io: CommandIO): Promise<number> {
  try {
    if (options.mode !== undefined && options.mode !== 'full' && options.mode !== 'focused') {
      throw new RatchetError('USAGE', `--mode must be full or focused, not ${JSON.stringify(options.mode)}`);
    }
    if (options.format !== undefined && options.format !== 'json' && options.format !== 'md') {
      throw new RatchetError('USAGE', `--format must be json or md, not ${JSON.stringify(options.format)}`);
    }
    const inputFile = resolve(options.input);
    const data = await readJson(inputFile, 'aggregate result');
    const wrapped = data !== null && typeof data === 'object' && 'aggregate' in data;
    const aggregate = parseWith(
      AggregateResultSchema,
      wrapped ? (data as { aggregate: unknown }).aggregate : data,
      inputFile,
      'an AggregateResult',
    );
    const history = wrapped ? (data as Partial<DiagnoseInput>) : {};
    let previous: Diagnosis | undefined;
    if (options.previous !== undefined) {
      const previousFile = resolve(options.previous);
      previous = parseWith(
        DiagnosisSchema,
        await readJson(previousFile, 'previous diagnosis'),
        previousFile,
        'a Diagnosis',
      );
    } else if (history.previous) {
      previous = history.previous;
    }
    const mode = options.mode ?? (previous ? 'focused' : 'full');
    const rules = await loadRuleSet({
      files: (options.rules ?? []).map((file) => resolve(file)),
      builtin: options.builtin ?? true,
    });
    const input: DiagnoseInput = {
      aggregate,
      mode,
      attemptedFixIds: history.attemptedFixIds ?? [],
      rolledBackFixIds: history.rolledBackFixIds ?? [],
      ...(previous ? { previous } : {}),
    };
    const diagnosis = await diagnose(
      input,
      rules,
      { thresholds: DEFAULT_THRESHOLDS },
      { log: stderrLogger(io) },
    );
    const format =
      options.format ?? (options.output && extname(options.output).toLowerCase() === '.md' ? 'md' : 'json');
    const text = redactText(
      format === 'md' ? renderReport(diagnosis) : `${JSON.stringify(diagnosis, null, 2)}\n`,
    );
    if (options.output) await writeFileAtomic(resolve(options.output), text);
    else io.stdout.write(text);
    return 0;
  } catch (error) {
    if (isRatchetError(error)) {
      io.stderr.write(`error ${error.code}: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
      return error.isUsageError ? 2 : 1;
    }
    io.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
