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
  type RateComparison,
  type ReportModel,
} from '../model/report-model.js';
import { escapeHtml, htmlId } from './escape.js';
import { renderLineChartSvg } from './line-chart.js';
import { REPORT_CSS } from './styles.js';

const e = escapeHtml;

const OUTCOME_COLOURS: Record<string, string> = {
  KEEP: '#15803d',
  ROLLBACK: '#b45309',
  RESTORED: '#b45309',
  APPLY_FAILED: '#b91c1c',
  MONITOR: '#2563eb',
  MODIFY: '#2563eb',
};

function objectiveChangeHtml(objective: ReportModel['objective']): string {
  const { text, verdict } = objectiveChange(objective);
  if (verdict === 'unknown') return `<span class="muted">${e(text)}</span>`;
  if (verdict === 'unchanged') return e(text);
  return `<span class="${verdict}">${e(text)} (${verdict})</span>`;
}

const LEGEND = [
  { label: 'kept', color: OUTCOME_COLOURS.KEEP!, outcomes: ['KEEP'] },
  { label: 'rolled back', color: OUTCOME_COLOURS.ROLLBACK!, outcomes: ['ROLLBACK', 'RESTORED'] },
  { label: 'inconclusive', color: OUTCOME_COLOURS.MONITOR!, outcomes: ['MONITOR', 'MODIFY'] },
];

/** Lets a long snake_case name such as all_fixes_attempted wrap at its underscores. */
function breakable(text: string): string {
  return e(text).replace(/_/g, '_<wbr>');
}

function fixTitle(fixId: string, name: string | undefined): string {
  return name && name !== fixId ? `${e(name)} <code>${e(fixId)}</code>` : `<code>${e(fixId)}</code>`;
}

function card(label: string, valueHtml: string, detailHtml = '', valueClass = 'value'): string {
  return `<div class="card"><div class="label">${e(label)}</div><div class="${valueClass}">${valueHtml}</div>${detailHtml ? `<div class="muted">${detailHtml}</div>` : ''}</div>`;
}

function renderSummary(model: ReportModel): string {
  const { objective, state, counts } = model;
  const exit = state.exitCondition
    ? breakable(state.exitCondition)
    : `<span class="muted">none (${e(state.status)})</span>`;
  return `<section id="summary"><h2>Executive summary</h2>
<p>Objective: <strong>${e(model.objectiveDescription)}</strong>.</p>
<div class="cards">
${card('Baseline → final', `${e(formatNumber(objective.baseline))} → ${e(formatNumber(objective.final))}`, objectiveChangeHtml(objective))}
${card('Best objective', e(formatNumber(objective.best)))}
${card('Exit condition', exit, state.exitReason ? e(state.exitReason) : '', 'value small')}
${card('Iterations', String(state.iterationHistory.length), `status ${e(state.status)}`)}
${card('Fixes', `${counts.kept} kept`, `${counts.rolledBack} rolled back · ${counts.failed} failed to apply`)}
</div></section>`;
}

// Metric names such as `a.b` and `a-b` slug alike; ids in a page must not repeat.
function uniqueId(used: Set<string>, id: string, index: number): string {
  const unique = used.has(id) ? `${id}-${index}` : id;
  used.add(unique);
  return unique;
}

function renderCharts(model: ReportModel): string {
  const objectiveChart = renderLineChartSvg({
    title: `Objective: ${model.objectiveDescription}`,
    points: model.objectiveSeries,
    xLabel: 'iteration',
    yLabel: 'objective',
    width: 760,
    height: 280,
    color: '#2563eb',
  });
  const decisionChart =
    model.decisions.length === 0
      ? ''
      : `<figure class="objective decisions">${renderLineChartSvg({
          title: 'Objective at each decision',
          points: model.decisionSteps.map((step) => ({ label: step.label, value: step.level })),
          markers: model.decisionSteps.flatMap((step, index) =>
            step.decision && step.tested !== null
              ? [
                  {
                    index,
                    value: step.tested,
                    kind: step.decision.outcome,
                    color: OUTCOME_COLOURS[step.decision.outcome] ?? '#6b7280',
                    label: `${step.decision.fixId} ${step.decision.outcome}`,
                  },
                ]
              : [],
          ),
          legend: LEGEND.filter((entry) =>
            model.decisions.some(
              (decision) => entry.outcomes.includes(decision.outcome) && decision.objectiveAfter !== null,
            ),
          ),
          xLabel: 'iteration.decision',
          yLabel: 'objective',
          width: 760,
          height: 280,
          color: '#2563eb',
        })}<figcaption class="muted">The line is the objective of the system as each decision left it (a rollback returns to the value before the fix); a diamond is the value measured while the fix was applied, coloured by the decision.</figcaption></figure>`;
  const usedIds = new Set<string>();
  const metricCharts = model.metricSeries
    .map(
      (series, index) =>
        `<figure id="${e(uniqueId(usedIds, htmlId('metric', series.name), index))}">${renderLineChartSvg({ title: series.title, points: series.points, xLabel: 'iteration', width: 360, height: 210, color: '#7c3aed' })}</figure>`,
    )
    .join('\n');
  return `<section id="charts"><h2>Over the iterations</h2>
<figure class="objective">${objectiveChart}<figcaption class="muted">Points: the baseline, then the measurement at the end of each iteration. A red × marks an iteration without a value (no traffic in its window).</figcaption></figure>
${decisionChart}
<div class="charts">
${metricCharts || '<p>No metrics were measured.</p>'}
</div></section>`;
}

function rateHtml(rate: RateComparison['baseline']): string {
  if (!rate) return '<span class="muted">n/a</span>';
  const interval =
    rate.low !== undefined && rate.high !== undefined
      ? ` <span class="muted">[${e(formatNumber(rate.low))}, ${e(formatNumber(rate.high))}]</span>`
      : '';
  return `${e(formatNumber(rate.value))}${interval}`;
}

function renderComparison(model: ReportModel): string {
  const rows = [
    `<tr><th scope="row">objective</th><td class="num">${e(formatNumber(model.objective.baseline))}</td><td class="num">${e(formatNumber(model.objective.final))}</td><td class="num">${e(formatSignedNumber(model.objective.change))}</td><td class="num">${objectiveChangeHtml(model.objective)}</td></tr>`,
    ...model.metrics.map(
      (row) =>
        `<tr><th scope="row">${e(row.name)}</th><td class="num">${e(formatNumber(row.baseline))}</td><td class="num">${e(formatNumber(row.final))}</td><td class="num">${e(formatSignedNumber(row.change))}</td><td class="num">${e(formatPercentChange(row))}</td></tr>`,
    ),
  ];
  const rates =
    model.rates.length === 0
      ? ''
      : `<h3>Rates with 95% Wilson intervals</h3>
<table class="rates"><thead><tr><th>Rate</th><th class="num">Baseline</th><th class="num">Final</th><th class="num">Change</th><th class="num">% change</th></tr></thead><tbody>
${model.rates.map((row) => `<tr><th scope="row">${e(row.name)}</th><td class="num">${rateHtml(row.baseline)}</td><td class="num">${rateHtml(row.final)}</td><td class="num">${e(formatSignedNumber(row.change))}</td><td class="num">${e(formatPercentChange(row))}</td></tr>`).join('\n')}
</tbody></table>`;
  return `<section id="comparison"><h2>Baseline vs final</h2>
<table class="metrics"><thead><tr><th>Metric</th><th class="num">Baseline</th><th class="num">Final</th><th class="num">Change</th><th class="num">% change</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>${rates}</section>`;
}

function idsHtml(ids: string[]): string {
  return ids.length === 0
    ? '<span class="muted">—</span>'
    : ids.map((id) => `<code>${e(id)}</code>`).join(', ');
}

function renderHistory(model: ReportModel): string {
  if (model.history.length === 0)
    return '<section id="history"><h2>Iteration history</h2><p>No iteration has completed yet.</p></section>';
  const rows = model.history.map(
    (record) =>
      `<tr><td class="num">${record.iteration}</td><td>${e(formatTimestamp(record.startedAt))}</td><td class="num">${e(formatDuration(durationBetween(record.startedAt, record.endedAt)))}</td><td class="num">${e(formatNumber(record.objectiveAtStart))}</td><td class="num">${e(formatNumber(record.objective))}</td><td class="num">${e(formatPct(record.improvementPct))}</td><td>${idsHtml(record.fixesKept)}</td><td>${idsHtml(record.fixesRolledBack)}</td><td>${idsHtml(record.fixesFailed)}</td></tr>`,
  );
  return `<section id="history"><h2>Iteration history</h2>
<table><thead><tr><th class="num">#</th><th>Started</th><th class="num">Duration</th><th class="num">Objective at start</th><th class="num">Objective at end</th><th class="num">Improvement</th><th>Kept</th><th>Rolled back</th><th>Failed</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>`;
}

function renderDecision(decision: DecisionRecord): string {
  return `<tr><td class="num">${decision.iteration}</td><td>${fixTitle(decision.fixId, decision.fixName)}</td><td><span class="badge ${e(decision.outcome)}">${e(decision.outcome)}</span></td><td class="num">${e(formatNumber(decision.objectiveBefore))} → ${e(formatNumber(decision.objectiveAfter))}</td><td>${decision.rule ? `<code>${e(decision.rule)}</code>` : '—'}</td><td>${e(decision.next)}</td><td><div class="rationale">${e(decision.rationale || '—')}</div></td></tr>`;
}

function renderDecisions(model: ReportModel): string {
  if (model.decisions.length === 0)
    return '<section id="decisions"><h2>Decisions</h2><p>No decision was taken.</p></section>';
  return `<section id="decisions"><h2>Decisions</h2>
<table><thead><tr><th class="num">#</th><th>Fix</th><th>Outcome</th><th class="num">Objective before → after</th><th>Rule</th><th>Next</th><th>Rationale</th></tr></thead><tbody>
${model.decisions.map(renderDecision).join('\n')}
</tbody></table></section>`;
}

function renderFix(outcome: FixOutcome): string {
  const { fix, decision } = outcome;
  const facts: string[] = [];
  if (fix) {
    facts.push(`<li>Priority: ${e(fix.priority)}</li>`);
    if (fix.rootCause) facts.push(`<li>Root cause: ${e(fix.rootCause)}</li>`);
    if (fix.expectedImprovement) {
      facts.push(
        `<li>Expected improvement: ${e(formatNumber(fix.expectedImprovement.value * 100))}% of the targeted errors (${e(fix.expectedImprovement.basis)})</li>`,
      );
    }
    if (fix.targets.length > 0) facts.push(`<li>Targets: ${idsHtml(fix.targets)}</li>`);
  }
  if (decision) {
    facts.push(
      `<li>Iteration ${decision.iteration}: <span class="badge ${e(decision.outcome)}">${e(decision.outcome)}</span>${decision.rule ? ` by rule <code>${e(decision.rule)}</code>` : ''}, objective ${e(formatNumber(decision.objectiveBefore))} → ${e(formatNumber(decision.objectiveAfter))}</li>`,
    );
    const effort = describeDecisionEffort(decision);
    if (effort) facts.push(`<li>Evidence: ${e(effort)}</li>`);
  }
  if (outcome.restored)
    facts.push('<li>Kept at first, then rolled back to restore the best known state.</li>');
  const rationale = decision?.rationale?.trim();
  return `<div class="fix ${outcome.group}"><h3>${fixTitle(outcome.fixId, outcome.name)}</h3>
<ul>${facts.join('')}</ul>
<p class="rationale">${rationale ? e(rationale) : '<span class="muted">No rationale was recorded for this fix.</span>'}</p></div>`;
}

function renderFixes(model: ReportModel): string {
  const group = (heading: string, id: string, outcomes: FixOutcome[], empty: string) =>
    `<h3 id="${id}">${e(heading)} (${outcomes.length})</h3>${outcomes.length === 0 ? `<p class="muted">${e(empty)}</p>` : outcomes.map(renderFix).join('\n')}`;
  return `<section id="fixes"><h2>Fixes</h2>
${group('Kept', 'fixes-kept', model.fixes.kept, 'No fix was kept.')}
${group('Rolled back', 'fixes-rolled-back', model.fixes.rolledBack, 'No fix was rolled back.')}
${group('Failed to apply', 'fixes-failed', model.fixes.failed, model.counts.kept + model.counts.rolledBack + model.counts.failed === 0 ? 'No fix was attempted.' : 'Every attempted fix applied cleanly.')}
</section>`;
}

function renderErrorTypes(model: ReportModel): string {
  if (model.errorTypes.length === 0) return '';
  const rows = model.errorTypes.map(
    (row) =>
      `<tr><td><code>${e(row.id)}</code></td><td>${row.category ? e(row.category) : '—'}</td><td class="num">${e(formatNumber(row.baselineCount))}</td><td class="num">${e(formatNumber(row.finalCount))}</td><td>${row.example ? `<pre>${e(row.example)}</pre>` : '—'}</td></tr>`,
  );
  return `<section id="error-types"><h2>Error types, baseline vs final</h2>
<table><thead><tr><th>Error type</th><th>Category</th><th class="num">Baseline</th><th class="num">Final</th><th>Example</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>`;
}

function renderRecommendations(model: ReportModel): string {
  if (model.recommendations.length === 0) {
    return '<section id="recommendations"><h2>Recommendations</h2><p>The diagnosis left no recommendation and no error type that needs research.</p></section>';
  }
  const label = {
    diagnosis: 'Recommendation',
    'needs-research': 'Needs research',
    'not-attempted': 'Not attempted',
  };
  const items = model.recommendations.map((entry) => {
    const targets =
      entry.targets.length > 0 && !(entry.targets.length === 1 && entry.targets[0] === entry.title)
        ? ` <span class="muted">(targets: ${idsHtml(entry.targets)})</span>`
        : '';
    const examples = entry.examples.map((example) => `<pre>${e(example)}</pre>`).join('');
    return `<li><strong>${e(label[entry.source])}:</strong> ${e(entry.title)}${entry.detail ? ` — ${e(entry.detail)}` : ''}${targets}${examples}</li>`;
  });
  return `<section id="recommendations"><h2>Recommendations</h2><ul>${items.join('\n')}</ul></section>`;
}

export function renderFinalReportHtmlFromModel(model: ReportModel): string {
  const { state } = model;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(model.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header><h1>${e(model.title)}</h1>
<p class="meta">Generated ${e(formatTimestamp(model.generatedAt))} · run <code>${e(state.runId)}</code> · started ${e(formatTimestamp(state.startedAt))}</p></header>
${renderSummary(model)}
${renderCharts(model)}
${renderComparison(model)}
${renderHistory(model)}
${renderDecisions(model)}
${renderFixes(model)}
${renderErrorTypes(model)}
${renderRecommendations(model)}
<section id="conclusion"><h2>Conclusion</h2><p>${e(model.conclusion.join(' '))}</p></section>
</main>
</body>
</html>
`;
}

/** `final_improvement_report.html`: self-contained, charts as inline SVG, every foreign string escaped. */
export function renderFinalReportHtml(input: FinalReportInput): string {
  return renderFinalReportHtmlFromModel(buildReportModel(validateReportInput(input)));
}
