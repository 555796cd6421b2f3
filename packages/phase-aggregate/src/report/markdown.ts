import {
  type AggregateResult,
  escapeMarkdownCell,
  escapeMarkdownInline,
  markdownCodeBlock,
  type Rate,
} from '@ratchet/core';
import type { ServerLogBreakdown } from '../aggregating/server-log-aggregator.js';

const MAX_ERROR_TYPES_SHOWN = 20;

// Everything here may come from a log line: it reads as text, never as HTML, a link or a column.
const cell = escapeMarkdownCell;
const inline = escapeMarkdownInline;

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

function rateText(rate: Rate): string {
  const interval =
    rate.low !== undefined && rate.high !== undefined ? ` [${percent(rate.low)}, ${percent(rate.high)}]` : '';
  return `${rate.numerator} / ${rate.denominator} = ${percent(rate.value)}${interval}`;
}

const fence = (text: string) => markdownCodeBlock(text);

/** The measurement for people: metrics, rates, top error types with examples, problems. */
export function renderAggregateMarkdown(result: AggregateResult): string {
  const out: string[] = ['# Aggregate', ''];
  const window = result.window;
  out.push(
    `Window: ${inline(window?.start ?? 'beginning of the logs')} to ${inline(window?.end ?? 'end of the logs')}`,
    '',
  );
  out.push(`Files read: ${result.files?.length ?? 0}`, '');
  out.push('## Metrics', '', '| metric | count |', '| --- | ---: |');
  for (const [name, value] of Object.entries(result.metrics)) out.push(`| ${cell(name)} | ${value} |`);
  out.push('');
  const rates = result.rates ?? {};
  const shown = Object.entries(rates).filter(([name]) =>
    /^(urlErrors|modelErrors|exceptions|titleMatchFailures|errorRecords)Per/.test(name),
  );
  if (shown.length > 0) {
    out.push(
      '## Rates (95% intervals: Garwood for counts per search, Wilson for shares of records)',
      '',
      '| rate | value |',
      '| --- | --- |',
    );
    for (const [name, rate] of shown) out.push(`| ${cell(name)} | ${rateText(rate)} |`);
    out.push('');
  }
  out.push('## Error types', '');
  if (result.errorTypes.length === 0) out.push('None in this window.', '');
  for (const errorType of result.errorTypes.slice(0, MAX_ERROR_TYPES_SHOWN)) {
    out.push(`### ${inline(errorType.id)} (${errorType.count})`, '');
    const facts: string[] = [];
    if (errorType.category) facts.push(`category: ${errorType.category}`);
    if (errorType.httpStatus !== undefined) facts.push(`HTTP status: ${errorType.httpStatus}`);
    if (errorType.host) facts.push(`host: ${errorType.host}`);
    if (errorType.exceptionType)
      facts.push(`exception: ${errorType.exceptionType}: ${errorType.exceptionMessage ?? ''}`);
    if (errorType.firstSeen) facts.push(`first seen: ${errorType.firstSeen}`);
    if (errorType.lastSeen) facts.push(`last seen: ${errorType.lastSeen}`);
    if (errorType.template) facts.push(`template: ${errorType.template}`);
    for (const fact of facts) out.push(`- ${inline(fact)}`);
    out.push('');
    for (const example of errorType.examples ?? []) out.push(fence(example), '');
  }
  if (result.errorTypes.length > MAX_ERROR_TYPES_SHOWN) {
    out.push(
      `...and ${result.errorTypes.length - MAX_ERROR_TYPES_SHOWN} more error types in aggregate.json.`,
      '',
    );
  }
  const items = result.items ?? [];
  if (items.length > 0) {
    const failed = items.filter((item) => !item.ok).length;
    out.push('## Items', '', `${items.length} items seen, ${failed} with an error or a failed match.`, '');
  }
  const server = result.serverLog as ServerLogBreakdown | undefined;
  if (server !== undefined) {
    out.push('## Server log (Plex Media Server.log, not in the metrics above)', '');
    out.push(`Files: ${server.files.length}`, '', '| metric | count |', '| --- | ---: |');
    for (const [name, value] of Object.entries(server.metrics)) out.push(`| ${cell(name)} | ${value} |`);
    for (const [level, value] of Object.entries(server.levels))
      out.push(`| level ${cell(level)} | ${value} |`);
    out.push('');
    for (const template of server.errorTemplates)
      out.push(`- ${template.count} x ${inline(template.template)}`);
    if (server.errorTemplates.length > 0) out.push('');
  }
  const problems = result.problems ?? [];
  out.push('## Unparsed and unreadable inputs', '');
  out.push(`Unparsed lines: ${result.metrics.unparsedLines ?? 0}`, '');
  if (problems.length === 0) out.push('No problems reading the inputs.', '');
  for (const problem of problems) out.push(`- ${inline(`${problem.kind}: ${problem.message}`)}`);
  out.push('');
  return out.join('\n');
}
