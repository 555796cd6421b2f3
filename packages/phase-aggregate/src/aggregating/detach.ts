/**
 * A copy of a string that does not keep its source alive. Slices of a 1 MB chunk of the log keep
 * the whole chunk in memory (V8 sliced strings): anything kept past the current line is detached.
 */
export function detach<T extends string | undefined>(text: T): T {
  if (text === undefined || text.length < 13) return text;
  return ` ${text}`.slice(1) as T;
}
