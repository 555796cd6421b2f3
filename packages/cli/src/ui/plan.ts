import { type AppliedFix, escapeControl, type Fix } from '@ratchet/core';

/** Control characters (a hostile file's ESC sequences, a stray CR) made visible: core's escapeControl. */
export function escapeControlLocal(text: string): string {
  return escapeControl(text);
}

/** A fix's planned changes as `terraform plan` shows them: what each change does, then its diff. */
export function formatPlan(fix: Fix, applied: AppliedFix | undefined, verb = 'would'): string {
  const lines = [`${fix.id}${fix.name ? `: ${fix.name}` : ''} (${fix.priority})`];
  if (!applied) {
    lines.push(`  the implement phase gives no preview; ${fix.actions.length} action(s)`);
  } else if (applied.changes.length === 0) {
    lines.push(`  ${verb} change nothing`);
  }
  for (const change of applied?.changes ?? []) {
    lines.push(`  ~ ${change.description ?? change.action}${change.path ? ` (${change.path})` : ''}`);
    const diff = (change as { diff?: unknown }).diff;
    if (typeof diff === 'string') lines.push(diff.replace(/\n$/, '').replace(/^/gm, '    '));
  }
  return `${escapeControlLocal(lines.join('\n'))}\n`;
}
