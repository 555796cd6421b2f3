import type { DecisionRecord } from '../../contracts/events.js';
import { describeDecisionEffort } from '../format/decision-effort.js';
import {
  durationBetween,
  formatDuration,
  formatNumber,
  formatPct,
  formatSignedNumber,
  formatTimestamp,
} from '../format/numbers.js';
import { formatPercentChange, objectiveChange } from '../format/objective-change.js';
import { type FinalReportInput, validateReportInput } from '../model/input.js';
import {
  buildReportModel,
  type FixOutcome,
  type MetricComparison,
  type RateComparison,
  type ReportModel,
} from '../model/report-model.js';
import { escapeMarkdownCell, escapeMarkdownInline, markdownCodeBlock, markdownTable } from './escape.js';

const EXAMPLE_CELL_LENGTH = 160;

const md = escapeMarkdownInline;
const cell = escapeMarkdownCell;

function truncate(text: string, length: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > length ? `${oneLine.slice(0, length - 1)}…` : oneLine;
}

/** `-66.9% (better)` in a table, `-66.9%, better` in a sentence. */
function objectiveChangeText(objective: ReportModel['objective'], separator?: ', '): string {
  const { text, verdict } = objectiveChange(objective);
  if (verdict !== 'better' && verdict !== 'worse') return text;
  return separator ? `${text}${separator}${verdict}` : `${text} (${verdict})`;
}

function fixLabel(outcome: { fixId: string; name: string | undefined }): string {
  return outcome.name && outcome.name !== outcome.fixId
    ? `${md(outcome.name)} (${md(outcome.fixId)})`
    : md(outcome.fixId);
}

function renderSummary(model: ReportModel): string {
  const { objective, state, counts } = model;
  const exit = state.exitCondition
    ? `${md(state.exitCondition)}${state.exitReason ? ` — ${md(state.exitReason)}` : ''}`
    : `none yet (status ${md(state.status)})`;
  return [
    '## Executive summary',
    '',
    `- **Objective:** ${md(model.objectiveDescription)}`,
    `- **Baseline → final:** ${formatNumber(objective.baseline)} → ${formatNumber(objective.final)}: ${objectiveChangeText(objective, ', ')}`,
    `- **Best objective reached:** ${formatNumber(objective.best)}`,
    `- **Exit condition:** ${exit}`,
    `- **Status:** ${md(state.status)} after ${state.iterationHistory.length} iteration(s)`,
    `- **Fixes:** ${counts.kept} kept, ${counts.rolledBack} rolled back, ${counts.failed} failed to apply (${counts.decisions} decision(s) in total)`,
  ].join('\n');
}

function metricRow(row: MetricComparison): string[] {
  return [
    cell(row.name),
    formatNumber(row.baseline),
    formatNumber(row.final),
    formatSignedNumber(row.change),
    formatPercentChange(row),
  ];
}

function rateValue(rate: RateComparison['baseline']): string {
  if (!rate) return 'n/a';
  const interval =
    rate.low !== undefined && rate.high !== undefined
      ? ` [${formatNumber(rate.low)}, ${formatNumber(rate.high)}]`
      : '';
  return `${formatNumber(rate.value)}${interval} (${formatNumber(rate.numerator)}/${formatNumber(rate.denominator)})`;
}

function renderComparison(model: ReportModel): string {
  const objectiveRow = [
    `**objective** (${cell(model.objectiveDescription)})`,
    formatNumber(model.objective.baseline),
    formatNumber(model.objective.final),
    formatSignedNumber(model.objective.change),
    objectiveChangeText(model.objective),
  ];
  const parts = ['## Baseline vs final', ''];
  if (model.metrics.length === 0) {
    parts.push('No metrics were measured.');
  } else {
    parts.push(
      markdownTable(
        ['Metric', 'Baseline', 'Final', 'Change', '% change'],
        [objectiveRow, ...model.metrics.map(metricRow)],
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  if (model.rates.length > 0) {
    parts.push(
      '',
      '### Rates with 95% Wilson intervals',
      '',
      markdownTable(
        ['Rate', 'Baseline', 'Final', 'Change', '% change'],
        model.rates.map((row) => [
          cell(row.name),
          rateValue(row.baseline),
          rateValue(row.final),
          formatSignedNumber(row.change),
          formatPercentChange(row),
        ]),
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  return parts.join('\n');
}

function idList(ids: string[]): string {
  return ids.length === 0 ? '—' : ids.map(cell).join(', ');
}

function renderHistory(model: ReportModel): string {
  if (model.history.length === 0) return '## Iteration history\n\nNo iteration has completed yet.';
  const rows = model.history.map((record) => [
    String(record.iteration),
    formatTimestamp(record.startedAt),
    formatDuration(durationBetween(record.startedAt, record.endedAt)),
    formatNumber(record.objectiveAtStart),
    formatNumber(record.objective),
    formatPct(record.improvementPct),
    idList(record.fixesKept),
    idList(record.fixesRolledBack),
    idList(record.fixesFailed),
  ]);
  return [
    '## Iteration history',
    '',
    markdownTable(
      [
        '#',
        'Started',
        'Duration',
        'Objective at start',
        'Objective at end',
        'Improvement',
        'Kept',
        'Rolled back',
        'Failed',
      ],
      rows,
      ['right', 'left', 'right', 'right', 'right', 'right', 'left', 'left', 'left'],
    ),
  ].join('\n');
}

export function renderDecisionTable(decisions: DecisionRecord[]): string {
  return markdownTable(
    ['#', 'Fix', 'Outcome', 'Objective before → after', 'Rule', 'Next', 'Rationale'],
    decisions.map((decision) => [
      String(decision.iteration),
      cell(
        decision.fixName && decision.fixName !== decision.fixId
          ? `${decision.fixName} (${decision.fixId})`
          : decision.fixId,
      ),
      decision.outcome,
      `${formatNumber(decision.objectiveBefore)} → ${formatNumber(decision.objectiveAfter)}`,
      decision.rule ? cell(decision.rule) : '—',
      cell(decision.next),
      cell(decision.rationale || '—'),
    ]),
    ['right', 'left', 'left', 'right', 'left', 'left', 'left'],
  );
}

function renderFixOutcome(outcome: FixOutcome): string {
  const lines = [`### ${fixLabel(outcome)}`, ''];
  const { fix, decision } = outcome;
  if (fix) {
    lines.push(`- **Priority:** ${fix.priority}`);
    if (fix.rootCause) lines.push(`- **Root cause:** ${md(fix.rootCause)}`);
    if (fix.expectedImprovement) {
      lines.push(
        `- **Expected improvement:** ${formatNumber(fix.expectedImprovement.value * 100)}% of the targeted errors (${md(fix.expectedImprovement.basis)})`,
      );
    }
    if (fix.targets.length > 0) lines.push(`- **Targets:** ${fix.targets.map(md).join(', ')}`);
  }
  if (decision) {
    lines.push(
      `- **Decided in iteration:** ${decision.iteration} (${decision.outcome}${decision.rule ? `, rule ${md(decision.rule)}` : ''})`,
    );
    lines.push(
      `- **Objective before → after:** ${formatNumber(decision.objectiveBefore)} → ${formatNumber(decision.objectiveAfter)}`,
    );
    const effort = describeDecisionEffort(decision);
    if (effort) lines.push(`- **Evidence:** ${md(effort)}`);
  }
  if (outcome.restored) lines.push('- Kept at first, then rolled back to restore the best known state.');
  const rationale = decision?.rationale?.trim();
  lines.push(
    '',
    rationale
      ? rationale
          .split(/\r\n?|\n/)
          .map((line) => `> ${md(line)}`)
          .join('\n')
      : '> No rationale was recorded for this fix.',
  );
  return lines.join('\n');
}

function renderFixGroup(heading: string, outcomes: FixOutcome[], empty: string): string {
  if (outcomes.length === 0) return `## ${heading}\n\n${empty}`;
  return [`## ${heading}`, '', outcomes.map(renderFixOutcome).join('\n\n')].join('\n');
}

function renderErrorTypes(model: ReportModel): string | undefined {
  if (model.errorTypes.length === 0) return undefined;
  return [
    '## Error types, baseline vs final',
    '',
    markdownTable(
      ['Error type', 'Category', 'Baseline', 'Final', 'Example'],
      model.errorTypes.map((row) => [
        cell(row.id),
        row.category ? cell(row.category) : '—',
        formatNumber(row.baselineCount),
        formatNumber(row.finalCount),
        row.example ? cell(truncate(row.example, EXAMPLE_CELL_LENGTH)) : '—',
      ]),
      ['left', 'left', 'right', 'right', 'left'],
    ),
  ].join('\n');
}

function renderRecommendations(model: ReportModel): string {
  if (model.recommendations.length === 0) {
    return '## Recommendations\n\nThe diagnosis left no recommendation and no error type that needs research.';
  }
  const label = {
    diagnosis: 'Recommendation',
    'needs-research': 'Needs research',
    'not-attempted': 'Not attempted',
  };
  const items = model.recommendations.map((entry) => {
    const parts = [`- **${label[entry.source]}:** ${md(entry.title)}`];
    if (entry.detail) parts[0] += ` — ${md(entry.detail)}`;
    if (entry.targets.length > 0 && !(entry.targets.length === 1 && entry.targets[0] === entry.title)) {
      parts[0] += ` (targets: ${entry.targets.map(md).join(', ')})`;
    }
    for (const example of entry.examples) {
      parts.push(markdownCodeBlock(example).replace(/^/gm, '  '));
    }
    return parts.join('\n\n');
  });
  return ['## Recommendations', '', ...items].join('\n');
}

export function renderFinalReportMarkdownFromModel(model: ReportModel): string {
  const { state } = model;
  const sections = [
    `# ${md(model.title)}`,
    `Generated ${formatTimestamp(model.generatedAt)} · run ${md(state.runId)} · started ${formatTimestamp(state.startedAt)}`,
    renderSummary(model),
    renderComparison(model),
    renderHistory(model),
    model.decisions.length > 0
      ? `## Decisions\n\n${renderDecisionTable(model.decisions)}`
      : '## Decisions\n\nNo decision was taken.',
    renderFixGroup('Fixes kept', model.fixes.kept, 'No fix was kept.'),
    renderFixGroup('Fixes rolled back', model.fixes.rolledBack, 'No fix was rolled back.'),
    renderFixGroup(
      'Fixes that failed to apply',
      model.fixes.failed,
      model.counts.kept + model.counts.rolledBack + model.counts.failed === 0
        ? 'No fix was attempted.'
        : 'Every attempted fix applied cleanly.',
    ),
    renderErrorTypes(model),
    renderRecommendations(model),
    `## Conclusion\n\n${model.conclusion.map(md).join(' ')}`,
  ];
  return `${sections.filter((section): section is string => section !== undefined).join('\n\n')}\n`;
}

/** `final_improvement_report.md`: summary, baseline vs final, history, fixes, recommendations. */
export function renderFinalReportMarkdown(input: FinalReportInput): string {
  return renderFinalReportMarkdownFromModel(buildReportModel(validateReportInput(input)));
}
