import { REDACTED } from '@ratchet/core';

/** `{{name}}` placeholders; names are letters, digits, `_`, `.` and `-`. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export type Captures = Readonly<Record<string, string>>;

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

/** Every placeholder used anywhere inside a JSON-like value (strings in arrays and objects). */
export function placeholdersInValue(value: unknown): string[] {
  if (typeof value === 'string') return placeholdersIn(value);
  if (Array.isArray(value)) return value.flatMap(placeholdersInValue);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(placeholdersInValue);
  return [];
}

/** A rule cannot be rendered for a hit: the hit is skipped with a note, the other rules still run. */
export class CaptureError extends Error {}

export class MissingCaptureError extends CaptureError {
  constructor(readonly placeholder: string) {
    super(`no value was captured for {{${placeholder}}}`);
  }
}

/** A captured value would become an option of a command (`--use-compress-program=...`). */
export class OptionCaptureError extends CaptureError {}
/**
 * A captured value that stands for no real value: a mined template's `<*>`, or the redaction
 * marker. Prose may show it; an action must never write it into a file or a command.
 */
const STAND_IN_VALUES = ['<*>', REDACTED];

export class UnusableCaptureError extends Error {
  constructor(
    readonly placeholder: string,
    readonly value: string,
  ) {
    super(
      `the value captured for {{${placeholder}}} is ${JSON.stringify(value)}, a stand-in (a mined template's <*> or a redacted secret), not a real value`,
    );
  }
}

/** Throws when an action would use a stand-in captured value. */
export function assertUsableCaptures(value: unknown, captures: Captures): void {
  for (const name of placeholdersInValue(value)) {
    const captured = captures[name];
    if (captured !== undefined && STAND_IN_VALUES.some((stand) => captured.includes(stand)))
      throw new UnusableCaptureError(name, captured);
  }
}

export function renderText(text: string, captures: Captures): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = captures[name];
    if (value === undefined) throw new MissingCaptureError(name);
    return value;
  });
}

/**
 * Renders a command's argv. An element whose template does not start with `-` but whose value does
 * (a captured `{{file}}` that reads `--use-compress-program=...`) is refused, unless it follows a
 * literal `--`, after which the program takes no more options.
 */
export function renderArgv(argv: readonly unknown[], captures: Captures): unknown[] {
  let optionsEnded = false;
  return argv.map((element) => {
    if (typeof element !== 'string') return element;
    const rendered = renderText(element, captures);
    if (!optionsEnded && rendered.startsWith('-') && !element.startsWith('-')) {
      throw new OptionCaptureError(
        `the captured value ${JSON.stringify(rendered.slice(0, 80))} would become an option of the command`,
      );
    }
    if (element === '--') optionsEnded = true;
    return rendered;
  });
}

/** Renders every string inside a JSON-like value; other values are kept as they are. */
export function renderValue<T>(value: T, captures: Captures): T {
  if (typeof value === 'string') return renderText(value, captures) as T;
  if (Array.isArray(value)) return value.map((entry) => renderValue(entry, captures)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, renderValue(entry, captures)]),
    ) as T;
  }
  return value;
}

/** Words used in prose (root causes, names, recommendations) when the error type lacks a value. */
const PROSE_DEFAULTS: Readonly<Record<string, string>> = {
  agent: 'the agent',
  host: 'the remote site',
  httpStatus: 'an HTTP error',
  exceptionType: 'an exception',
  category: 'an error',
};

export function withProseDefaults(captures: Captures): Captures {
  return { ...PROSE_DEFAULTS, ...captures };
}
