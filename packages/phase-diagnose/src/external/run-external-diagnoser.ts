import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Fix,
  FixSchema,
  type Logger,
  RatchetError,
  RecommendationSchema,
  redactText,
} from '@ratchet/core';
import { ExecaError, execa } from 'execa';
import { z } from 'zod';
import { ACTION_TYPES } from '../actions/action-schemas.js';
import { checkAction } from '../actions/validate-action.js';

export interface ExternalDiagnoserOptions {
  command: string[];
  timeoutMs?: number;
}

export const ExternalOutputSchema = z.looseObject({
  fixes: z.array(FixSchema).default([]),
  recommendations: z.array(RecommendationSchema).optional(),
});
export type ExternalOutput = z.infer<typeof ExternalOutputSchema>;

export interface ExternalResult {
  fixes: Fix[];
  recommendations: ExternalOutput['recommendations'];
  rejected: Array<{ id: string; reason: string }>;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const TAIL_CHARS = 2000;

function tail(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed.length > TAIL_CHARS ? `...${trimmed.slice(-TAIL_CHARS)}` : trimmed;
}

function describeCommand(command: string[]): string {
  return command.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(' ');
}

/**
 * Runs an external diagnoser through the subprocess protocol: the input JSON goes to a temp file
 * whose path replaces `{input}` in argv; the result is read from `{output}` when argv has it, else
 * from stdout. argv is never given to a shell.
 */
export async function runExternalDiagnoser(
  options: ExternalDiagnoserOptions,
  input: unknown,
  context: { log: Logger; signal?: AbortSignal; cwd?: string },
): Promise<ExternalOutput> {
  const folder = await mkdtemp(join(tmpdir(), 'ratchet-diagnose-'));
  const inputFile = join(folder, 'input.json');
  const outputFile = join(folder, 'output.json');
  const usesOutputFile = options.command.some((arg) => arg.includes('{output}'));
  const argv = options.command.map((arg) =>
    arg.replaceAll('{input}', inputFile).replaceAll('{output}', outputFile),
  );
  const [program, ...args] = argv;
  const shown = describeCommand(options.command);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    if (!program) throw new RatchetError('PHASE_OPTIONS_INVALID', 'diagnose: external.command: is empty');
    await writeFile(inputFile, redactText(JSON.stringify(input)), { encoding: 'utf8', mode: 0o600 });
    const subprocess = execa(program, args, {
      timeout: timeoutMs,
      ...(context.signal ? { cancelSignal: context.signal } : {}),
      ...(context.cwd ? { cwd: context.cwd } : {}),
      stdin: 'ignore',
      shell: false,
      forceKillAfterDelay: 2000,
    });
    subprocess.stderr?.on('data', (chunk: Buffer) => {
      context.log.debug(`external diagnoser: ${chunk.toString('utf8').trimEnd()}`);
    });
    let stdout: string;
    try {
      stdout = (await subprocess).stdout;
    } catch (error) {
      if (!(error instanceof ExecaError)) throw error;
      const stderr = typeof error.stderr === 'string' ? tail(error.stderr) : '';
      const shownTail = stderr ? `\n--- stderr (tail) ---\n${stderr}` : '';
      if (error.timedOut) {
        throw new RatchetError(
          'SUBPROCESS_TIMEOUT',
          `external diagnoser \`${shown}\` timed out after ${timeoutMs} ms${shownTail}`,
          {
            hint: 'Raise diagnose.external.timeoutMs or make the diagnoser faster.',
          },
        );
      }
      if (error.isCanceled) {
        throw new RatchetError('INTERRUPTED', `external diagnoser \`${shown}\` was interrupted`);
      }
      if (error.exitCode === undefined) {
        throw new RatchetError(
          'SUBPROCESS_SPAWN',
          `external diagnoser \`${shown}\` could not start: ${error.code ?? error.shortMessage}`,
          {
            hint: 'Check that the program in diagnose.external.command exists and is executable.',
          },
        );
      }
      throw new RatchetError(
        'SUBPROCESS_EXIT',
        `external diagnoser \`${shown}\` exited with code ${error.exitCode}${shownTail}`,
      );
    }
    let text = stdout;
    let origin = 'stdout';
    if (usesOutputFile) {
      try {
        text = await readFile(outputFile, 'utf8');
        origin = '{output}';
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      const excerpt = text.trim().slice(0, 200) || '(empty)';
      throw new RatchetError(
        'SUBPROCESS_BAD_JSON',
        `external diagnoser \`${shown}\` wrote invalid JSON on ${origin}: ${(error as Error).message}; it began: ${excerpt}`,
      );
    }
    const parsed = ExternalOutputSchema.safeParse(data);
    if (!parsed.success) {
      throw new RatchetError(
        'PHASE_INVALID_OUTPUT',
        `external diagnoser \`${shown}\` output is not valid: ${z.prettifyError(parsed.error)}`,
        {
          hint: 'It must print { "fixes": [Fix...], "recommendations"?: [...] } (see docs/diagnose.md).',
        },
      );
    }
    return parsed.data;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Applies to external fixes the checks rule fixes get: the action vocabulary, targets that exist,
 * no clash with a rule fix id. Fixes that fail are rejected with the reason, not applied blindly.
 */
export function vetExternalFixes(
  output: ExternalOutput,
  knownErrorTypes: ReadonlySet<string>,
  takenIds: ReadonlySet<string>,
): ExternalResult {
  const fixes: Fix[] = [];
  const rejected: ExternalResult['rejected'] = [];
  for (const fix of output.fixes) {
    const badAction = fix.actions
      .map((action, index) => ({ index, problem: checkAction(action)[0] }))
      .find((entry) => entry.problem !== undefined);
    if (badAction?.problem) {
      const at = `actions[${badAction.index}]${badAction.problem.path ? `.${badAction.problem.path}` : ''}`;
      rejected.push({
        id: fix.id,
        reason: `${at}: ${badAction.problem.message} (allowed: ${ACTION_TYPES.join(', ')})`,
      });
      continue;
    }
    if (fix.actions.length === 0) {
      rejected.push({ id: fix.id, reason: 'no actions: give it as a recommendation instead' });
      continue;
    }
    if (takenIds.has(fix.id)) {
      rejected.push({ id: fix.id, reason: 'the id is already used by a rule fix' });
      continue;
    }
    const targets = fix.targets.filter((target) => knownErrorTypes.has(target));
    if (targets.length === 0) {
      rejected.push({
        id: fix.id,
        reason: `targets ${JSON.stringify(fix.targets)} name no error type of this measurement`,
      });
      continue;
    }
    fixes.push({ ...fix, targets });
  }
  return { fixes, recommendations: output.recommendations, rejected };
}
