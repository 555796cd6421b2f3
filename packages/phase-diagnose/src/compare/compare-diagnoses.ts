import type { Diagnosis, ErrorType } from '@ratchet/core';

export interface Comparison {
  resolved: string[];
  persisting: string[];
  new: string[];
}

export interface CountChange {
  id: string;
  before: number | null;
  after: number | null;
}

/** Which error types of the previous diagnosis are gone, still there, or new in this measurement. */
export function compareWithPrevious(
  current: ReadonlyArray<ErrorType>,
  previous: Diagnosis | undefined,
): { comparison: Comparison; changes: CountChange[] } {
  const before = new Map<string, number | null>();
  for (const entry of previous?.errorTypes ?? []) {
    const count = (entry as { count?: unknown }).count;
    before.set(entry.id, typeof count === 'number' ? count : null);
  }
  const after = new Map(current.filter((type) => type.count > 0).map((type) => [type.id, type.count]));
  const comparison: Comparison = { resolved: [], persisting: [], new: [] };
  const changes: CountChange[] = [];
  for (const [id, count] of before) {
    if (after.has(id)) comparison.persisting.push(id);
    else comparison.resolved.push(id);
    changes.push({ id, before: count, after: after.get(id) ?? null });
  }
  for (const [id, count] of after) {
    if (!before.has(id)) {
      comparison.new.push(id);
      changes.push({ id, before: null, after: count });
    }
  }
  return { comparison, changes };
}
