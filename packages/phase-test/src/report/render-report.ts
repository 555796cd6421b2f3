import { escapeMarkdownCell, escapeMarkdownInline, type TestResult } from '@ratchet/core';
import { formatEValue, formatNumber, formatPValue, formatRate } from '../judge/format.js';
import type { Judgement } from '../judge/judge.js';
import type { RefreshSummary } from '../refresh/run-refresh.js';
import type { SequentialEvidence } from '../sequential/run-sequential.js';
import { describeEffort } from './describe-effort.js';

/** Text from logs, servers and rules: one line, no table syntax, no HTML, links or emphasis. */
function cell(value: unknown): string {
  return escapeMarkdownCell(String(value ?? '')).replace(/<br>/g, ' ');
}

export function renderTestReport(
  result: TestResult,
  judgement: Judgement,
  refresh: RefreshSummary | undefined,
  effort: SequentialEvidence,
  context: { fixId: string; fixName?: string; iteration: number },
): string {
  const { evidence } = judgement;
  const lines: string[] = [];
  lines.push(`# Test of fix ${cell(context.fixId)} (iteration ${context.iteration})`, '');
  if (context.fixName) lines.push(`${cell(context.fixName)}`, '');
  lines.push(`**Decision: ${result.decision}** (rule \`${judgement.rule}\`)`, '');
  lines.push(escapeMarkdownInline(result.rationale), '');
  lines.push('## Evidence gathered', '');
  lines.push('| | rounds | items | refresh requests | waited |', '| --- | --- | --- | --- | --- |');
  const row = (label: string, e: SequentialEvidence['total']) =>
    `| ${label} | ${e.rounds} | ${e.items} | ${e.requests} | ${formatNumber(Math.round(e.waitedMs / 1000))} s |`;
  lines.push(row('this test', effort.thisTest));
  if (effort.tests > 1) lines.push(row(`all ${effort.tests} tests of this fix`, effort.total));
  lines.push(
    '',
    `${describeEffort(effort)} Method: ${effort.method}; looks at the evidence so far: ${effort.look}.`,
    '',
  );
  lines.push('## Objective', '', `${cell(evidence.objective)}`, '');
  lines.push('| | before | after |', '| --- | --- | --- |');
  lines.push(
    `| value | ${cell(formatRate(evidence.before))} | ${evidence.after ? cell(formatRate(evidence.after)) : 'n/a'} |`,
  );
  lines.push(
    `| change | | ${evidence.effectPct === null ? 'n/a' : `${formatNumber(evidence.effectPct)}% better`} |`,
    '',
  );

  lines.push('## Statistical test', '');
  const test = evidence.test;
  if (!test) lines.push('No test could be run: there is nothing to compare.', '');
  else {
    lines.push(
      `- ${test.name}`,
      test.kind === 'mcnemar'
        ? `- e-value ${formatEValue(test.eValue)} (decides at ${formatNumber(1 / test.threshold)}; always-valid p = ${formatPValue(test.pValue)}), direction: ${evidence.testDirection}`
        : `- p = ${formatPValue(test.pValue)} (decides at ${formatPValue(test.threshold)}, the alpha spent at look ${evidence.look}), direction: ${evidence.testDirection}`,
    );
    lines.push(
      `- samples: ${formatNumber(test.samples)} (minimum ${evidence.thresholds.minSamples}), pooled over every round and retest`,
    );
    if (test.kind === 'mcnemar') {
      lines.push(
        `- fixed: ${test.fixed.length}, newly broken: ${test.broken.length}, still failing: ${test.stillFailing}, still fine: ${test.stillOk}`,
      );
      if (test.broken.length > 0)
        lines.push(`- newly broken items: ${test.broken.slice(0, 20).map(cell).join(', ')}`);
    }
    if (test.kind === 'mcnemar' || test.kind === 'fisher') {
      lines.push(
        `- failing items: ${formatRate(test.failingBefore)} before, ${formatRate(test.failingAfter)} after`,
      );
    }
    if (test.kind === 'poisson')
      lines.push(`- rate ratio before/after: ${formatNumber(test.rateRatio)} per ${cell(test.exposureUnit)}`);
    lines.push('');
  }
  if (evidence.critical.length > 0) {
    lines.push(
      '## Critical metrics',
      '',
      '| metric | before | after | p | regressed |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const check of evidence.critical) {
      const p = check.pValue === null ? 'n/a' : formatPValue(check.pValue);
      lines.push(
        `| ${cell(check.metric)} | ${cell(formatRate(check.before))} | ${cell(formatRate(check.after))} | ${p} | ${check.regressed ? 'yes' : 'no'} |`,
      );
    }
    lines.push('');
  }
  lines.push(`## Success indicators: ${judgement.indicators.met} of ${judgement.indicators.total}`, '');
  for (const item of judgement.indicators.items) lines.push(`- ${escapeMarkdownInline(item)}`);
  lines.push('');
  lines.push('## Thresholds', '');
  const t = evidence.thresholds;
  lines.push(
    `alpha ${t.alpha}, minimum samples ${t.minSamples}, minimum effect ${t.minEffectPct}%, critical metrics: ${t.criticalMetrics.length > 0 ? t.criticalMetrics.map(cell).join(', ') : 'none'}; budget per test: ${t.maxItems} items, ${t.maxRounds} rounds, ${formatNumber(Math.round(t.maxWait / 1000))} s of waiting`,
    '',
  );
  lines.push(
    '## Test window',
    '',
    `${cell(result.window?.start ?? '?')} to ${cell(result.window?.end ?? '?')}`,
    '',
  );
  if (refresh) {
    lines.push('## Refresh (last round)', '', `kind: ${refresh.kind}, ${Math.round(refresh.durationMs)} ms`);
    if (refresh.kind === 'plex') {
      lines.push(
        `requested ${refresh.requested}, completed ${refresh.completed}, timed out ${(refresh.timedOut as string[]).length}, failed ${(refresh.failed as string[]).length}`,
        '',
      );
      const chosen = refresh.chosen as {
        ratingKey: string;
        title?: string;
        reason: string;
        namedAs?: string;
      }[];
      lines.push('| ratingKey | title | why |', '| --- | --- | --- |');
      for (const item of chosen) {
        lines.push(
          `| ${cell(item.ratingKey)} | ${cell(item.title)} | ${cell(item.reason)}${item.namedAs ? ` (${cell(item.namedAs)})` : ''} |`,
        );
      }
    }
    lines.push('');
  }
  if (evidence.measurementError)
    lines.push('## Measurement problem', '', cell(evidence.measurementError), '');
  return `${lines.join('\n').trimEnd()}\n`;
}
