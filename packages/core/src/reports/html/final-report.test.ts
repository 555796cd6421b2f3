import { describe, expect, it } from 'vitest';
import { withHostileText } from '../fixtures/hostile.test-helpers.js';
import { FIXES, realisticRun } from '../fixtures/realistic-run.test-helpers.js';
import { renderFinalReportHtml } from './final-report.js';

const generatedAt = new Date('2024-05-01T10:12:00Z');

function sectionHtml(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  if (start < 0) throw new Error(`no section ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('the HTML final report', () => {
  const { state, decisions } = realisticRun();
  const html = renderFinalReportHtml({ state, decisions, generatedAt, title: 'SimDB agent' });

  it('is one self-contained document: no script, no external resource', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).toContain("default-src 'none'");
  });

  it('charts the objective and every metric over the iterations', () => {
    const charts = sectionHtml(html, 'charts');
    const svgs = charts.match(/<svg class="chart"/g) ?? [];
    // The objective per iteration, the objective at each decision, then one chart per metric.
    expect(svgs).toHaveLength(2 + Object.keys(state.baselineMetrics ?? {}).length);
    expect(charts).toContain(
      'aria-label="Objective: (urlErrors + modelErrors + titleMatchFailures) per searchOps, lower is better"',
    );
    expect(charts).toContain('data-points="4"');
    expect(charts).toContain('<title>#2: 0.135</title>');
    expect(charts).toContain('id="metric-titlematchfailures"');
  });

  it('charts each decision: the kept level as a line and each tested value as a marker in its outcome', () => {
    const charts = sectionHtml(html, 'charts');
    expect(charts).toContain('<rect class="marker ROLLBACK"');
    expect(charts).toContain('<title>simdb-lower-match-threshold ROLLBACK: 0.61</title>');
    expect(charts.match(/<rect class="marker KEEP"/g)).toHaveLength(2);
    // After the rollback in step 1.2 the system is back at the value before it.
    expect(charts).toContain('<title>1.2: 0.2925</title>');
    expect(charts).toContain('>rolled back</text>');
    expect(charts).not.toContain('>inconclusive</text>');
  });

  it('shows the summary, the comparison and the decisions with their rationale', () => {
    expect(sectionHtml(html, 'summary')).toContain('<span class="better">-66.9% (better)</span>');
    expect(sectionHtml(html, 'summary')).toContain('plateau_<wbr>detected');
    expect(sectionHtml(html, 'comparison')).toContain(
      '<th scope="row">exceptions</th><td class="num">0</td><td class="num">2</td><td class="num">+2</td><td class="num">new (baseline 0)</td>',
    );
    const decisionTable = sectionHtml(html, 'decisions');
    for (const outcome of ['KEEP', 'ROLLBACK', 'APPLY_FAILED'])
      expect(decisionTable).toContain(`<span class="badge ${outcome}">`);
    expect(decisionTable).toContain('Wrong matches: update failures rose from 0 to 38');
  });

  it('lists the fixes kept, rolled back and failed', () => {
    const fixes = sectionHtml(html, 'fixes');
    expect(fixes).toContain('Kept (2)');
    expect(fixes).toContain('Rolled back (1)');
    expect(fixes).toContain('Failed to apply (1)');
    expect(fixes).toContain(`<code>${FIXES.threshold!.id}</code>`);
    expect(fixes.indexOf('Rolled back (1)')).toBeLessThan(fixes.indexOf(FIXES.threshold!.id));
  });

  it('escapes a script tag in the title, a fix name, an error example, a reason and a recommendation', () => {
    const hostile = renderFinalReportHtml({
      ...withHostileText(realisticRun()),
      generatedAt,
      title: '<script>alert(1)</script>',
    });
    expect(hostile).not.toMatch(/<script|<img|<iframe/i);
    expect(hostile).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(hostile).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(hostile).toContain('&lt;script&gt;alert(&quot;fix&quot;)&lt;/script&gt; | *Normalize* titles');
    expect(hostile).toContain('&lt;script&gt;alert(&quot;log&quot;)&lt;/script&gt;');
    expect(hostile).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(hostile).toContain('&lt;iframe src=&quot;http://evil.example&quot;&gt;&lt;/iframe&gt;');
  });

  it('renders a single-iteration run with one point per chart and a missing value marked', () => {
    const run = realisticRun();
    // The only iteration's window saw no search: its objective (errors per search) has no value.
    const first = { ...run.state.iterationHistory[0]!, objective: null };
    first.metrics = { ...first.metrics, searchOps: 0 };
    const single = renderFinalReportHtml({
      generatedAt,
      decisions: run.decisions.filter((decision) => decision.iteration === 1),
      state: {
        ...run.state,
        iterationHistory: [first],
        currentMetrics: first.metrics,
        currentObjective: null,
      },
    });
    const charts = sectionHtml(single, 'charts');
    expect(charts).toContain('data-points="2"');
    expect(charts).toContain('<title>#1: no value</title>');
    expect(charts).not.toContain('NaN');
    expect(sectionHtml(single, 'summary')).toContain('n/a');
  });

  it('gives every metric chart its own id even when two names slug alike', () => {
    const run = realisticRun();
    const metrics = { 'url.errors': 1, 'url-errors': 2 };
    const page = renderFinalReportHtml({
      generatedAt,
      decisions: [],
      state: { ...run.state, baselineMetrics: metrics, currentMetrics: metrics, iterationHistory: [] },
    });
    const ids = [...page.matchAll(/<figure id="([^"]+)"/g)].map((match) => match[1]);
    expect(ids).toEqual(['metric-url-errors', 'metric-url-errors-1']);
  });

  it('renders a run with no measurement at all without a broken chart', () => {
    const run = realisticRun();
    const empty = renderFinalReportHtml({
      generatedAt,
      decisions: [],
      state: {
        ...run.state,
        baselineMetrics: null,
        baselineObjective: null,
        currentMetrics: null,
        currentObjective: null,
        iterationHistory: [],
        baselineMeasurement: null,
        currentMeasurement: null,
      },
    });
    expect(sectionHtml(empty, 'charts')).toContain('no value measured');
    expect(empty).not.toMatch(/NaN|Infinity|undefined/);
  });
});
