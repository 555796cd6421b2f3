import { type Fix, PRIORITY_RANK, type Priority } from '@ratchet/core';

export interface Thresholds {
  /** Impact at or above which a fix is HIGH. */
  high: number;
  /** Impact at or above which a fix is MEDIUM; below it LOW. */
  medium: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { high: 0.1, medium: 0.02 };

export function priorityOf(impact: number, thresholds: Thresholds): Priority {
  if (impact >= thresholds.high) return 'HIGH';
  if (impact >= thresholds.medium) return 'MEDIUM';
  return 'LOW';
}

export interface RankedFixes {
  fixes: Fix[];
  /** Ids left out because they were attempted already. */
  excluded: string[];
  /** Ids moved up because the fix they are an alternative of was rolled back. */
  promoted: string[];
}

const byImpact = (a: Fix, b: Fix) =>
  (b.impact ?? 0) - (a.impact ?? 0) || (b.confidence ?? 0) - (a.confidence ?? 0) || a.id.localeCompare(b.id);

/**
 * Best first. Attempted fixes are dropped. Alternatives of a rolled-back fix go to the top and keep
 * at least its priority; other alternatives follow right after the fix they are an alternative of,
 * so the loop tries the primary way first.
 */
export function rankFixes(
  fixes: ReadonlyArray<Fix>,
  history: { attemptedFixIds: ReadonlyArray<string>; rolledBackFixIds: ReadonlyArray<string> },
  previousFixes: ReadonlyArray<Fix> = [],
): RankedFixes {
  const attempted = new Set(history.attemptedFixIds);
  const rolledBack = new Set(history.rolledBackFixIds);
  const priorityById = new Map<string, Priority>();
  for (const fix of [...previousFixes, ...fixes]) priorityById.set(fix.id, fix.priority);

  const excluded = fixes.filter((fix) => attempted.has(fix.id)).map((fix) => fix.id);
  const remaining = fixes.filter((fix) => !attempted.has(fix.id)).map((fix) => ({ ...fix }));

  const promoted: Fix[] = [];
  const rest: Fix[] = [];
  for (const fix of remaining) {
    if (fix.alternativeOf !== undefined && rolledBack.has(fix.alternativeOf)) {
      const original = priorityById.get(fix.alternativeOf);
      if (original && PRIORITY_RANK[original] > PRIORITY_RANK[fix.priority]) fix.priority = original;
      fix.promotedBecause = `alternative of rolled-back fix ${fix.alternativeOf}`;
      promoted.push(fix);
    } else {
      rest.push(fix);
    }
  }
  promoted.sort(byImpact);
  rest.sort(byImpact);

  const present = new Set(rest.map((fix) => fix.id));
  const followers = new Map<string, Fix[]>();
  const leaders: Fix[] = [];
  for (const fix of rest) {
    if (fix.alternativeOf !== undefined && fix.alternativeOf !== fix.id && present.has(fix.alternativeOf)) {
      followers.set(fix.alternativeOf, [...(followers.get(fix.alternativeOf) ?? []), fix]);
    } else {
      leaders.push(fix);
    }
  }
  const ordered: Fix[] = [];
  const place = (fix: Fix, depth: number) => {
    ordered.push(fix);
    if (depth > 8) return;
    for (const follower of followers.get(fix.id) ?? []) place(follower, depth + 1);
  };
  for (const fix of leaders) place(fix, 0);
  // Alternatives in a cycle have no leader: keep them rather than lose them.
  for (const fix of rest) if (!ordered.includes(fix)) ordered.push(fix);

  return { fixes: [...promoted, ...ordered], excluded, promoted: promoted.map((fix) => fix.id) };
}
