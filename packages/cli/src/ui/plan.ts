import { type AppliedFix, escapeControl, type Fix } from '@ratchet/core';

/** Control characters (a hostile file's ESC sequences, a stray CR) made visible: core's escapeControl. */
export function escapeControlLocal(text: string): string {
  return escapeControl(text);
}

/** A fix's planned changes as `terraform plan` shows them: what each change does, then its diff. */
export function formatPlan(fix: Fix, applied: AppliedFix | undefined): string {
  const title = `${fix.id}${fix.name ? `: ${fix.name}` : ''} (${fix.priority})`;
  if (!applied) {
    return `${escapeControlLocal(`${title}\n  the implement phase gives no preview; ${fix.actions.length} action(s)`)}\n`;
  }
  return formatChanges(title, applied.changes);
}

/** A title, then each change with its diff, indented; control characters escaped. */
export function formatChanges(title: string, changes: AppliedFix['changes']): string {
  const lines = [title];
  if (changes.length === 0) lines.push('  would change nothing');
  for (const change of changes) {
    lines.push(`  ~ ${change.description ?? change.action}${change.path ? ` (${change.path})` : ''}`);
    const diff = (change as { diff?: unknown }).diff;
    if (typeof diff === 'string') lines.push(diff.replace(/\n$/, '').replace(/^/gm, '    '));
  }
  return `${escapeControlLocal(lines.join('\n'))}\n`;
}
