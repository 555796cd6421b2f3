import {
  type Diagnosis,
  escapeMarkdownCell,
  escapeMarkdownInline,
  type Fix,
  type Recommendation,
} from '@ratchet/core';
import type { CountChange } from '../compare/compare-diagnoses.js';
import type { ErrorTypeDiagnosis, NeedsResearch } from '../diagnosis/build-diagnosis.js';

/** Text from logs goes into code spans or fences; these keep it from breaking out of them. */
function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  if (!clean.includes('`')) return `\`${clean}\``;
  const longest = Math.max(...[...clean.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence} ${clean} ${fence}`;
}

const EXAMPLE_CHARS = 2000;

/** A long traceback is cut in the report; diagnosis.json keeps the example as the aggregate gave it. */
function clip(text: string): string {
  return text.length > EXAMPLE_CHARS
    ? `${text.slice(0, EXAMPLE_CHARS)} ... (${text.length - EXAMPLE_CHARS} more characters)`
    : text;
}

function block(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

// Text from logs, rules and captures reads as text: no raw HTML, links, emphasis or extra columns.
const cell = escapeMarkdownCell;
const inline = escapeMarkdownInline;

/** In a table a pipe ends the cell even inside a code span, unless escaped. */
function cellCode(text: string): string {
  return code(text).replace(/\|/g, '\\|');
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function fixLines(fix: Fix, rank: number): string[] {
  const lines = [
    `${rank}. **${inline(fix.name ?? fix.id)}** (${code(fix.id)}): ${fix.priority}, impact ${(fix.impact ?? 0).toFixed(3)}`,
  ];
  if (fix.expectedImprovement)
    lines.push(`   - Expected improvement: ${inline(fix.expectedImprovement.basis)}`);
  if (fix.rootCause) lines.push(`   - Root cause: ${inline(fix.rootCause)}`);
  if (fix.alternativeOf) lines.push(`   - Alternative of ${code(fix.alternativeOf)}`);
  if (typeof fix.promotedBecause === 'string') lines.push(`   - Moved up: ${inline(fix.promotedBecause)}`);
  const actions = fix.actions.map((action) => action.type).join(', ');
  lines.push(`   - Actions: ${inline(actions || 'none')}`);
  const source = Array.isArray(fix.source) ? fix.source.join('; ') : undefined;
  if (source) lines.push(`   - Source: ${inline(source)}`);
  return lines;
}

export function renderReport(diagnosis: Diagnosis): string {
  const summary = (diagnosis.summary ?? {}) as Record<string, number>;
  const entries = (diagnosis.errorTypes ?? []) as unknown as ErrorTypeDiagnosis[];
  const research = (diagnosis.needsResearch ?? []) as unknown as NeedsResearch[];
  const recommendations = (diagnosis.recommendations ?? []) as Recommendation[];
  const problems = (diagnosis.problems ?? []) as string[];
  const out: string[] = [`# Diagnostic report (${diagnosis.mode ?? 'full'} mode)`, ''];
  out.push(
    `- Error types identified: ${summary.errorTypes ?? entries.length} (${summary.errors ?? 0} errors), explained by a rule: ${summary.explained ?? 0}`,
    `- Fixes proposed: ${diagnosis.fixes.length}, high priority: ${diagnosis.fixes.filter((fix) => fix.priority === 'HIGH').length}`,
    `- Recommendations (outside Ratchet's reach): ${recommendations.length}`,
    `- Needing research: ${research.length}`,
    '',
  );

  out.push('## Top fixes', '');
  if (diagnosis.fixes.length === 0) out.push('No fix to propose.', '');
  diagnosis.fixes.slice(0, 3).forEach((fix, index) => {
    out.push(...fixLines(fix, index + 1));
  });
  if (diagnosis.fixes.length > 0) out.push('');
  if (diagnosis.fixes.length > 3) {
    out.push(
      '### Other fixes',
      '',
      '| # | fix | priority | impact | alternative of |',
      '| - | - | - | - | - |',
    );
    diagnosis.fixes.slice(3).forEach((fix, index) => {
      out.push(
        `| ${index + 4} | ${cellCode(fix.id)} | ${fix.priority} | ${(fix.impact ?? 0).toFixed(3)} | ${fix.alternativeOf ? cellCode(fix.alternativeOf) : ''} |`,
      );
    });
    out.push('');
  }

  if (diagnosis.comparison) {
    const changes = (diagnosis.changes ?? []) as CountChange[];
    const countOf = (id: string) => changes.find((change) => change.id === id);
    out.push('## Compared with the previous diagnosis', '');
    const list = (title: string, ids: string[], show: (change: CountChange | undefined) => string) => {
      out.push(`**${title}** (${ids.length})`, '');
      for (const id of ids) out.push(`- ${code(id)}${show(countOf(id))}`);
      out.push('');
    };
    list('Resolved', diagnosis.comparison.resolved, (change) =>
      change?.before != null ? `: was ${change.before}` : '',
    );
    list('Persisting', diagnosis.comparison.persisting, (change) =>
      change ? `: ${change.before ?? '?'} -> ${change.after}` : '',
    );
    list('New', diagnosis.comparison.new, (change) => (change ? `: ${change.after}` : ''));
  }

  out.push(
    '## Error types',
    '',
    '| error type | count | share | root cause | fixes |',
    '| - | - | - | - | - |',
  );
  for (const entry of entries) {
    out.push(
      `| ${cellCode(entry.id)} | ${entry.count} | ${percent(entry.share)} | ${cell(entry.rootCause ?? 'needs research')} | ${entry.fixes.map(cellCode).join(', ')} |`,
    );
  }
  out.push('');

  if (recommendations.length > 0) {
    out.push(
      '## Recommendations',
      '',
      "These need a change Ratchet cannot make for you (for example a bug in the agent's code).",
      '',
    );
    for (const recommendation of recommendations) {
      out.push(
        `- **${inline(recommendation.title)}**${recommendation.detail ? `: ${inline(recommendation.detail)}` : ''}`,
      );
      if (recommendation.targets?.length) out.push(`  - For: ${recommendation.targets.map(code).join(', ')}`);
      const source = [recommendation.source]
        .flat()
        .filter((entry): entry is string => typeof entry === 'string');
      if (source.length > 0) out.push(`  - Source: ${inline(source.join('; '))}`);
    }
    out.push('');
  }

  out.push('## Needs research', '');
  if (research.length === 0) out.push('Every error type is explained by a rule.', '');
  for (const entry of research) {
    out.push(
      `### ${code(entry.id)}`,
      '',
      `${entry.count} error(s), ${percent(entry.share)} of operations${entry.agents.length ? `, agents: ${inline(entry.agents.join(', '))}` : ''}.`,
      '',
    );
    if (entry.template) out.push(`Template: ${code(entry.template)}`, '');
    if (entry.examples.length > 0) out.push(block(entry.examples.map(clip).join('\n')), '');
  }

  if (problems.length > 0) {
    out.push('## Problems', '');
    for (const problem of problems) out.push(`- ${inline(problem)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
