import type { PhaseKind } from '../../contracts/phase.js';

/** The version of the subprocess protocol this module speaks; written as `protocol` in the request. */
export const SUBPROCESS_PROTOCOL_VERSION = 1;

/** What a subprocess phase is asked to do: one of the four phases, or undoing an applied fix. */
export type SubprocessPhaseName = PhaseKind | 'rollback';

/** The JSON document Ratchet writes to the `{input}` file. */
export interface SubprocessRequest {
  protocol: typeof SUBPROCESS_PROTOCOL_VERSION;
  phase: SubprocessPhaseName;
  iteration: number;
  runDir: string;
  outDir: string;
  /** The config's `with:` object for this phase. */
  options: Record<string, unknown>;
  /** The phase's input: AggregateInput, DiagnoseInput, ImplementInput, TestInput, or `{applied}`. */
  input: unknown;
}

export interface PlaceholderValues {
  input: string;
  output: string;
  runDir: string;
  outDir: string;
  configDir: string;
  iteration: number;
  phase: SubprocessPhaseName;
}

const PLACEHOLDER = /\{(input|output|runDir|outDir|configDir|iteration|phase)\}/g;

/**
 * Replaces `{input}`, `{output}`, `{runDir}`, `{outDir}`, `{configDir}`, `{iteration}` and `{phase}`
 * anywhere inside each argument (`--input={input}` works). Other braces are left alone.
 */
export function substitutePlaceholders(args: readonly string[], values: PlaceholderValues): string[] {
  return args.map((arg) =>
    arg.replace(PLACEHOLDER, (_match, name: keyof PlaceholderValues) => String(values[name])),
  );
}

/** Environment variables every subprocess phase gets, so a script can work without parsing argv. */
export function protocolEnvironment(values: PlaceholderValues): Record<string, string> {
  return {
    RATCHET_PROTOCOL: String(SUBPROCESS_PROTOCOL_VERSION),
    RATCHET_PHASE: values.phase,
    RATCHET_ITERATION: String(values.iteration),
    RATCHET_INPUT: values.input,
    RATCHET_OUTPUT: values.output,
    RATCHET_RUN_DIR: values.runDir,
    RATCHET_OUT_DIR: values.outDir,
    RATCHET_CONFIG_DIR: values.configDir,
  };
}

export interface ProgressLine {
  message: string;
  done?: number;
  total?: number;
}

const PROGRESS_LINE = /^::progress::[ \t]*(?:(\d+)\/(\d+)(?:[ \t]+|$))?(.*)$/;

/**
 * A stderr line `::progress:: 40/200 reading logs` (or `::progress:: reading logs`) reports progress
 * to the CLI instead of going to the log.
 */
export function parseProgressLine(line: string): ProgressLine | undefined {
  const match = PROGRESS_LINE.exec(line);
  if (!match) return undefined;
  const message = (match[3] ?? '').trim();
  if (match[1] === undefined || match[2] === undefined) return { message };
  return { message, done: Number(match[1]), total: Number(match[2]) };
}
