import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../contracts/logger.js';
import type {
  AggregatePhase,
  DiagnosePhase,
  ImplementPhase,
  PhaseContext,
  PhaseKind,
  TestPhase,
} from '../../contracts/phase.js';
import type { AppliedFix, Fix } from '../../contracts/schemas.js';
import { RatchetError } from '../../errors/ratchet-error.js';
import { redactText } from '../../security/redact.js';
import { locateJsonError } from './json-location.js';
import {
  type PlaceholderValues,
  parseProgressLine,
  protocolEnvironment,
  SUBPROCESS_PROTOCOL_VERSION,
  type SubprocessPhaseName,
  type SubprocessRequest,
  substitutePlaceholders,
} from './protocol.js';
import { validateResult } from './result-schemas.js';
import { type CommandOutcome, runCommand } from './run-command.js';
import { type ResolvedSubprocessSpec, resolveSubprocessSpec, type SubprocessPhaseSpec } from './spec.js';

export interface SubprocessPhaseContext {
  /** The config file's folder: the default cwd, and the base of a relative cwd or ./program. */
  configDir: string;
  log: Logger;
}

export type SubprocessPhaseOf<K extends PhaseKind> = {
  aggregate: AggregatePhase;
  diagnose: DiagnosePhase;
  implement: ImplementPhase;
  test: TestPhase;
}[K];

/**
 * A phase run as a command in any language (protocol version 1, docs/writing-a-phase.md): the
 * input goes to a JSON file named by `{input}`, the result comes back from `{output}` or stdout and
 * is validated with the same schema as a native phase. For 'implement', `rollback` runs the same
 * command with `phase: "rollback"` and input `{applied}`.
 */
export function createSubprocessPhase<K extends PhaseKind>(
  kind: K,
  spec: SubprocessPhaseSpec,
  ctx: SubprocessPhaseContext,
): SubprocessPhaseOf<K>;
export function createSubprocessPhase(
  kind: PhaseKind,
  spec: SubprocessPhaseSpec,
  ctx: SubprocessPhaseContext,
): AggregatePhase | DiagnosePhase | ImplementPhase | TestPhase {
  const resolved = resolveSubprocessSpec(kind, spec, ctx.configDir);
  const name = `command:${resolved.displayName}`;
  const invoke = (phase: SubprocessPhaseName, input: unknown, runCtx: PhaseContext) =>
    invokeSubprocess(resolved, ctx, phase, input, runCtx);

  switch (kind) {
    case 'aggregate':
    case 'diagnose':
    case 'test':
      return {
        name,
        async run(input: unknown, runCtx: PhaseContext) {
          const raw = await invoke(kind, input, runCtx);
          return validateResult(kind, raw, resultSource(kind, resolved));
        },
      } as AggregatePhase | DiagnosePhase | TestPhase;
    case 'implement': {
      const phase: ImplementPhase = {
        name,
        async run(input, runCtx) {
          const raw = await invoke('implement', input, runCtx);
          try {
            const applied = validateResult('implement', raw, resultSource('implement', resolved));
            assertSameFix(input.fix, applied, resolved);
            return applied;
          } catch (error) {
            throw withPartial(error, raw);
          }
        },
        async rollback(applied: AppliedFix, runCtx) {
          await invoke('rollback', { fixId: applied.fixId, applied }, runCtx);
        },
        // The same command, asked with phase "rollback" to undo whatever a failed or cut-short apply did.
        async recover(fix, runCtx, info) {
          const partial = isObject(info?.partial) ? info.partial : {};
          const changes = Array.isArray(partial.changes) ? partial.changes : [];
          await invoke(
            'rollback',
            {
              fixId: fix.id,
              fix,
              applied: { ...partial, fixId: fix.id, changes },
              partial: true,
              reason: info?.reason ?? 'interrupted',
            },
            runCtx,
          );
        },
      };
      return phase;
    }
    default:
      throw new RatchetError('PHASE_OPTIONS_INVALID', `unknown phase kind ${JSON.stringify(kind)}`, {
        hint: 'A phase is one of aggregate, diagnose, implement, test.',
      });
  }
}

async function invokeSubprocess(
  spec: ResolvedSubprocessSpec,
  factoryCtx: SubprocessPhaseContext,
  phase: SubprocessPhaseName,
  input: unknown,
  runCtx: PhaseContext,
): Promise<unknown> {
  const label = `${phase} phase command "${spec.displayName}"`;
  if (runCtx.signal.aborted) throw interrupted(label, phase);
  await assertFolder(spec.cwd, label);
  await mkdir(runCtx.runDir, { recursive: true });

  // A private folder (0700) per call: the request may hold option values the user considers secret.
  const workDir = await mkdtemp(join(tmpdir(), `ratchet-${phase}-`));
  try {
    const values: PlaceholderValues = {
      input: join(workDir, 'input.json'),
      output: join(workDir, 'output.json'),
      runDir: runCtx.runDir,
      outDir: runCtx.outDir,
      configDir: factoryCtx.configDir,
      iteration: runCtx.iteration,
      phase,
    };
    const request: SubprocessRequest = {
      protocol: SUBPROCESS_PROTOCOL_VERSION,
      phase,
      iteration: runCtx.iteration,
      runDir: runCtx.runDir,
      outDir: runCtx.outDir,
      options: spec.options,
      input,
    };
    // Secrets reach a command through its environment, never through the request file.
    await writeFile(values.input, redactText(`${JSON.stringify(request, null, 2)}\n`), { mode: 0o600 });

    const protocolEnv = protocolEnvironment(values);
    if (!spec.resultInFile) delete protocolEnv.RATCHET_OUTPUT;
    const log = runCtx.log ?? factoryCtx.log;
    const logData = { phase, command: spec.displayName };
    const outcome = await runCommand({
      program: spec.program,
      args: substitutePlaceholders(spec.args, values),
      cwd: spec.cwd,
      env: { ...protocolEnv, ...spec.env },
      timeoutMs: spec.timeoutMs,
      killGraceMs: spec.killGraceMs,
      signal: runCtx.signal,
      captureStdout: !spec.resultInFile && phase !== 'rollback',
      maxStdoutBytes: spec.maxOutputBytes,
      onStderrLine: (line) => {
        const progress = parseProgressLine(line);
        if (progress === undefined) log.info(`[${phase}] ${line}`, { ...logData, stream: 'stderr' });
        else runCtx.progress(progress.message, progress.done, progress.total);
      },
      onStdoutLine: (line) => log.debug(`[${phase}] ${line}`, { ...logData, stream: 'stdout' }),
    });
    try {
      throwIfFailed(outcome, spec, label, phase);
    } catch (error) {
      // What a failed implement command reported before it failed is what its rollback needs.
      if (phase !== 'implement' || outcome.end !== 'exited') throw error;
      const text = spec.resultInFile
        ? await readFile(values.output, 'utf8').catch(() => '')
        : (outcome.stdout ?? Buffer.alloc(0)).toString('utf8');
      throw withPartial(error, parseQuietly(text));
    }
    log.debug(`${label} finished in ${outcome.durationMs} ms`, {
      ...logData,
      durationMs: outcome.durationMs,
    });

    if (phase === 'rollback') return undefined;
    const text = spec.resultInFile
      ? await readResultFile(values.output, spec, label)
      : (outcome.stdout ?? Buffer.alloc(0)).toString('utf8');
    return parseResult(text, label, spec.resultInFile ? 'the {output} file' : 'stdout', outcome);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function throwIfFailed(
  outcome: CommandOutcome,
  spec: ResolvedSubprocessSpec,
  label: string,
  phase: SubprocessPhaseName,
): void {
  const details = {
    phase,
    command: spec.displayName,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: outcome.durationMs,
    stderrTail: outcome.stderrTail,
    stderrBytes: outcome.stderrBytes,
  };
  const stderrPart = stderrSection(outcome);
  switch (outcome.end) {
    case 'spawn-failed': {
      const code = outcome.spawnError?.code ?? 'unknown error';
      const what =
        code === 'ENOENT'
          ? 'the program was not found'
          : code === 'EACCES'
            ? 'the program is not executable'
            : `the system refused to start it`;
      throw new RatchetError(
        'SUBPROCESS_SPAWN',
        `${label} could not start: ${what} (${code}): ${spec.program} (cwd ${spec.cwd})`,
        {
          hint:
            code === 'EACCES'
              ? `Make it executable (chmod +x ${spec.program}) or name its interpreter first, e.g. ["bash", "script.sh"].`
              : 'Check the first element of `command`: a program on PATH, or a path (./script relative to the config folder).',
          cause: outcome.spawnError,
          details,
        },
      );
    }
    case 'timeout':
      throw new RatchetError(
        'SUBPROCESS_TIMEOUT',
        `${label} did not finish within ${formatMs(spec.timeoutMs)} and was stopped with its child processes` +
          `${outcome.forceKilled ? ' (SIGTERM was ignored: killed with SIGKILL)' : ''}.${stderrPart}`,
        {
          hint: 'Raise `timeout` for this phase in the config (e.g. "30m"), or make the command faster.',
          details,
        },
      );
    case 'aborted':
      throw interrupted(label, phase, details);
    case 'stdout-limit':
      throw new RatchetError(
        'PHASE_INVALID_OUTPUT',
        `${label} printed more than ${formatBytes(spec.maxOutputBytes)} on stdout and was stopped.${stderrPart}`,
        {
          hint: 'Print only the JSON result on stdout (logs go to stderr), or write it to {output}; raise maxOutputBytes if the result really is that large.',
          details,
        },
      );
    case 'exited':
      if (outcome.exitCode === 0) return;
      throw new RatchetError(
        'SUBPROCESS_EXIT',
        outcome.exitCode === undefined
          ? `${label} was killed by ${outcome.signal ?? 'a signal'}.${stderrPart}`
          : `${label} exited with code ${outcome.exitCode}.${stderrPart}`,
        {
          hint: 'A phase command must exit with code 0 on success; the lines above come from its stderr.',
          details,
        },
      );
  }
}

function interrupted(
  label: string,
  phase: SubprocessPhaseName,
  details?: Record<string, unknown>,
): RatchetError {
  return new RatchetError('INTERRUPTED', `${label} was stopped because the run was interrupted.`, {
    details: { phase, ...details },
  });
}

async function readResultFile(path: string, spec: ResolvedSubprocessSpec, label: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) {
    throw new RatchetError(
      'PHASE_INVALID_OUTPUT',
      `${label} exited with code 0 but wrote nothing to {output}.`,
      {
        hint: 'Write the JSON result to the path given where {output} appears in the command.',
      },
    );
  }
  if (info.size > spec.maxOutputBytes) {
    throw new RatchetError(
      'PHASE_INVALID_OUTPUT',
      `${label} wrote ${formatBytes(info.size)} to {output}, more than the ${formatBytes(spec.maxOutputBytes)} accepted.`,
      { hint: 'Raise maxOutputBytes for this phase if the result really is that large.' },
    );
  }
  return readFile(path, 'utf8');
}

function parseResult(text: string, label: string, where: string, outcome: CommandOutcome): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const location = locateJsonError(text);
    const position = location
      ? ` at line ${location.line}, column ${location.column}: ${location.problem}\n${indent(location.excerpt)}`
      : `: ${(error as Error).message}`;
    const empty = text.trim() === '';
    throw new RatchetError(
      'SUBPROCESS_BAD_JSON',
      empty
        ? `${label} exited with code 0 but ${where} is empty: expected a JSON result.${stderrSection(outcome)}`
        : `${label} wrote invalid JSON to ${where}${position}\n${stderrSection(outcome).trimStart()}`,
      {
        hint:
          where === 'stdout'
            ? 'Print only the JSON result on stdout; send logs and progress to stderr.'
            : 'Write exactly one JSON document to the {output} file.',
        cause: error,
        details: { line: location?.line, column: location?.column, offset: location?.offset },
      },
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function parseQuietly(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The same error, carrying the partial result of a failed implement command in `details.partial`. */
function withPartial(error: unknown, partial: unknown): unknown {
  if (partial === undefined || !(error instanceof RatchetError)) return error;
  return new RatchetError(error.code, error.message, {
    hint: error.hint,
    cause: error.cause,
    details: { ...error.details, partial },
  });
}

function assertSameFix(fix: Fix, applied: AppliedFix, spec: ResolvedSubprocessSpec): void {
  if (applied.fixId === fix.id) return;
  throw new RatchetError(
    'PHASE_INVALID_OUTPUT',
    `implement phase command "${spec.displayName}" was asked to apply fix "${fix.id}" but reported fixId "${applied.fixId}".`,
    { hint: 'Echo input.fix.id as fixId in the result.' },
  );
}

async function assertFolder(path: string, label: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return;
  throw new RatchetError('SUBPROCESS_SPAWN', `${label} could not start: its cwd ${path} is not a folder.`, {
    hint: '`cwd` is resolved against the config folder; create the folder or fix the path.',
  });
}

function resultSource(kind: PhaseKind, spec: ResolvedSubprocessSpec): string {
  return `the result of ${kind} phase command "${spec.displayName}" (${spec.resultInFile ? '{output} file' : 'stdout'})`;
}

function stderrSection(outcome: CommandOutcome): string {
  if (outcome.stderrTail.trim() === '') return ' It wrote nothing on stderr.';
  const cut =
    outcome.stderrBytes > outcome.stderrTail.length
      ? ` (last lines of ${formatBytes(outcome.stderrBytes)})`
      : '';
  return `\nstderr${cut}:\n${indent(outcome.stderrTail)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms} ms`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
