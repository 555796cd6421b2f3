import type { DecisionRecord } from '../../contracts/events.js';
import { type IterationView, IterationViewSchema } from '../../contracts/state.js';
import { RatchetError } from '../../errors/ratchet-error.js';
import {
  durationBetween,
  formatDuration,
  formatNumber,
  formatPct,
  formatTimestamp,
} from '../format/numbers.js';
import { validateDecisions } from '../model/input.js';
import { escapeMarkdownCell, escapeMarkdownInline, markdownTable } from './escape.js';
import { renderDecisionTable } from './final-report.js';

function idList(ids: string[]): string {
  return ids.length === 0 ? 'none' : ids.map(escapeMarkdownInline).join(', ');
}

/** A per-iteration summary: objective, metrics at the end, and the decisions taken in it. */
export function renderIterationSummaryMarkdown(record: IterationView, decisions: DecisionRecord[]): string {
  const parsed = IterationViewSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RatchetError(
      'INPUT_INVALID',
      `iteration summary: ${['record', ...(issue?.path.map(String) ?? [])].join('.')}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const iteration = parsed.data;
  const own = validateDecisions(decisions, 'iteration summary').filter(
    (d) => d.iteration === iteration.iteration,
  );
  const metricNames = Object.keys(iteration.metrics);
  const lines = [
    `# Iteration ${iteration.iteration}`,
    '',
    `- **Started:** ${formatTimestamp(iteration.startedAt)}${iteration.endedAt ? ` · **ended:** ${formatTimestamp(iteration.endedAt)} (${formatDuration(durationBetween(iteration.startedAt, iteration.endedAt))})` : ' · still running'}`,
    `- **Objective:** ${formatNumber(iteration.objectiveAtStart)} → ${formatNumber(iteration.objective)} (improvement over the best before: ${formatPct(iteration.improvementPct)})`,
    `- **Kept:** ${idList(iteration.fixesKept)}`,
    `- **Rolled back:** ${idList(iteration.fixesRolledBack)}`,
    `- **Failed to apply:** ${idList(iteration.fixesFailed)}`,
    '',
    '## Metrics at the end of the iteration',
    '',
    metricNames.length === 0
      ? 'No metrics were measured.'
      : markdownTable(
          ['Metric', 'Value'],
          metricNames.map((name) => [escapeMarkdownCell(name), formatNumber(iteration.metrics[name])]),
          ['left', 'right'],
        ),
    '',
    '## Decisions',
    '',
    own.length === 0 ? 'No decision was taken in this iteration.' : renderDecisionTable(own),
  ];
  return `${lines.join('\n')}\n`;
}
