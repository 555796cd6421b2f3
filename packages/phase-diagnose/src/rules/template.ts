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

export class MissingCaptureError extends Error {
  constructor(readonly placeholder: string) {
    super(`no value was captured for {{${placeholder}}}`);
  }
}

export function renderText(text: string, captures: Captures): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = captures[name];
    if (value === undefined) throw new MissingCaptureError(name);
    return value;
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
