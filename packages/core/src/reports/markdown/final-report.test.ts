import { describe, expect, it } from 'vitest';
import { iterationViews } from '../../engine/ledger.js';
import { RatchetError } from '../../errors/ratchet-error.js';
import { SCRIPT_EXAMPLE, withHostileText } from '../fixtures/hostile.test-helpers.js';
import { FIXES, realisticRun } from '../fixtures/realistic-run.test-helpers.js';
import { renderFinalReportMarkdown } from './final-report.js';
import { renderIterationSummaryMarkdown } from './iteration-summary.js';

const generatedAt = new Date('2024-05-01T10:12:00Z');

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** Cells of a GFM table row, splitting on pipes that are not escaped. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

function tables(markdown: string): string[][] {
  return markdown
    .split(/\n\n/)
    .filter((block) => block.trimStart().startsWith('|'))
    .map((block) => block.trim().split('\n'));
}

describe('the Markdown final report', () => {
  const { state, decisions } = realisticRun();
  const report = renderFinalReportMarkdown({ state, decisions, generatedAt });

  it('opens with an executive summary of the objective, the exit and the fix counts', () => {
    const summary = section(report, 'Executive summary');
    expect(summary).toContain(
      '(urlErrors + modelErrors + titleMatchFailures) per searchOps, lower is better',
    );
    expect(summary).toContain('0.4 → 0.1325: -66.9%, better');
    expect(summary).toContain('plateau\\_detected — Improvement below 5%');
    expect(summary).toContain('2 kept, 1 rolled back, 1 failed to apply');
  });

  it('compares every metric with real numbers, and says "new" instead of a fake % for a zero baseline', () => {
    const comparison = section(report, 'Baseline vs final');
    for (const name of Object.keys(state.baselineMetrics ?? {})) expect(comparison).toContain(`| ${name} |`);
    expect(comparison).toContain('| urlErrors | 96 | 30 | -66 | -68.7% |');
    expect(comparison).toContain('| exceptions | 0 | 2 | +2 | new (baseline 0) |');
    expect(comparison).toContain('| unparsedLines | 0 | 0 | 0 | 0.0% |');
    expect(comparison).toContain('0.24 [0.2007, 0.2842] (96/400)');
    expect(comparison).not.toContain('n/a');
  });

  it('lists every iteration and every decision with its outcome', () => {
    const history = section(report, 'Iteration history');
    expect(history).toMatch(/\| 1 \| 2024-05-01 10:00:00 UTC \| 4\.5 min \| 0\.4 \| 0\.2925 \| \+26\.9% \|/);
    expect(history).toContain('| 3 |');
    const decisionsSection = section(report, 'Decisions');
    for (const outcome of ['KEEP', 'ROLLBACK', 'APPLY_FAILED'])
      expect(decisionsSection).toContain(`| ${outcome} |`);
    expect(decisionsSection).toContain('(HTTP 404 on the wrong id).<br>Fisher exact p = 0.0002.');
  });

  it('explains each kept, rolled back and failed fix with its rationale', () => {
    expect(section(report, 'Fixes kept')).toContain(
      '> Title-match failures fell from 52/400 to 11/400 searches',
    );
    expect(section(report, 'Fixes kept')).toContain(FIXES.retries!.name);
    expect(section(report, 'Fixes rolled back')).toContain('> Fisher exact p = 0.0002.');
    expect(section(report, 'Fixes that failed to apply')).toContain('EACCES (permission denied)');
  });

  it('recommends from the diagnosis, from needs-research and from fixes never attempted', () => {
    const recommendations = section(report, 'Recommendations');
    expect(recommendations).toContain('**Recommendation:** Move the agent to the v3 API by hand');
    expect(recommendations).toContain('**Needs research:** search-exception:com.plexapp.agents.simdb');
    expect(recommendations).toContain("Exception in the search function of agent named 'Audnexus Agent'");
    expect(recommendations).toContain('**Not attempted:** Delete corrupt metadata bundles');
    expect(section(report, 'Conclusion')).toContain('The objective improved by 66.9% over 3 iteration(s)');
  });

  it('keeps every table row at its header width', () => {
    for (const table of tables(report)) {
      const width = cells(table[0]!).length;
      for (const row of table) expect(cells(row)).toHaveLength(width);
    }
  });

  it('keeps a script tag in a fix name and in an error example as text', () => {
    const hostile = renderFinalReportMarkdown({ ...withHostileText(realisticRun()), generatedAt });
    expect(hostile).not.toMatch(/<script|<img|<iframe/i);
    expect(hostile).toContain('&lt;script>alert("fix")&lt;/script> \\| \\*Normalize\\* titles');
    expect(hostile).toContain('&lt;script>alert("log")&lt;/script>');
    expect(hostile).toContain('\\[click\\](javascript:alert(1))');
    expect(SCRIPT_EXAMPLE).toContain('<script>');
    for (const table of tables(hostile)) {
      const width = cells(table[0]!).length;
      for (const row of table) expect(cells(row)).toHaveLength(width);
    }
  });

  it('reports a run of a single iteration with no decision', () => {
    const run = realisticRun();
    const first = run.state.iterationHistory[0]!;
    const single = renderFinalReportMarkdown({
      generatedAt,
      decisions: [],
      state: {
        ...run.state,
        iteration: 1,
        iterationHistory: [
          {
            ...first,
            metrics: run.state.baselineMetrics!,
            objective: run.state.baselineObjective,
          },
        ],
        currentMetrics: run.state.baselineMetrics,
        currentObjective: run.state.baselineObjective,
        currentMeasurement: run.state.baselineMeasurement,
        ledger: {},
        exitCondition: 'all_fixes_attempted',
        exitReason: 'No fix at or above HIGH priority.',
      },
    });
    expect(section(single, 'Executive summary')).toContain('0.4 → 0.4: no change');
    expect(section(single, 'Executive summary')).toContain('0 kept, 0 rolled back, 0 failed to apply');
    expect(section(single, 'Decisions')).toContain('No decision was taken.');
    expect(section(single, 'Baseline vs final')).toContain('| urlErrors | 96 | 96 | 0 | 0.0% |');
  });

  it('reports a run paused before any measurement without inventing numbers', () => {
    const run = realisticRun();
    const empty = renderFinalReportMarkdown({
      generatedAt,
      decisions: [],
      state: {
        ...run.state,
        status: 'paused',
        exitCondition: null,
        exitReason: null,
        baselineMetrics: null,
        baselineObjective: null,
        currentMetrics: null,
        currentObjective: null,
        bestObjective: null,
        baselineMeasurement: null,
        currentMeasurement: null,
        iterationHistory: [],
        diagnosis: null,
        queue: [],
        ledger: {},
      },
    });
    expect(empty).toContain('n/a → n/a');
    expect(empty).toContain('No metrics were measured.');
    expect(empty).toContain('No iteration has completed yet.');
    expect(empty).toContain('run "ratchet resume" to continue');
  });

  it('fails with INPUT_INVALID and the bad key when the state is not a loop state', () => {
    const run = realisticRun();
    try {
      renderFinalReportMarkdown({
        ...run,
        state: { ...run.state, status: 'sleeping' as never },
        generatedAt,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RatchetError);
      expect((error as RatchetError).code).toBe('INPUT_INVALID');
      expect((error as RatchetError).message).toMatch(/^final report: state\.status: /);
    }
  });
});

describe('the per-iteration summary', () => {
  const { state, decisions } = realisticRun();

  it('shows the objective, the fixes and only the decisions of its iteration', () => {
    const summary = renderIterationSummaryMarkdown(iterationViews(state)[1]!, decisions);
    expect(summary).toContain('# Iteration 2');
    expect(summary).toContain('0.2925 → 0.135');
    expect(summary).toContain('**Failed to apply:** simdb-api-v3');
    expect(summary).toContain('| APPLY_FAILED |');
    expect(summary).toContain('| KEEP |');
    expect(summary).not.toContain('ROLLBACK');
    expect(summary).toContain('| urlErrors | 31 |');
  });

  it('says when an iteration took no decision and is still running', () => {
    const { endedAt: _ended, ...running } = iterationViews(state)[2]!;
    const summary = renderIterationSummaryMarkdown(running, decisions);
    expect(summary).toContain('still running');
    expect(summary).toContain('No decision was taken in this iteration.');
  });

  it('rejects a record without an iteration number', () => {
    expect(() =>
      renderIterationSummaryMarkdown({ ...iterationViews(state)[0]!, iteration: 'one' as never }, decisions),
    ).toThrow(/iteration summary: record\.iteration/);
  });
});

describe('the evidence each decision took', () => {
  it('is read from the test phase record and shown with the fix, in Markdown and HTML', async () => {
    const { renderFinalReportHtml } = await import('../html/final-report.js');
    const { state, decisions } = realisticRun();
    const withEffort = decisions.map((decision, index) =>
      index === 0
        ? {
            ...decision,
            evidence: {
              sequential: { tests: 2, total: { rounds: 3, items: 60, requests: 60, waitedMs: 0 } },
            },
          }
        : decision,
    );
    const markdown = renderFinalReportMarkdown({ state, decisions: withEffort, generatedAt });
    expect(markdown).toContain('- **Evidence:** 3 rounds, 60 items, 60 refresh requests, over 2 tests');
    expect(markdown.match(/\*\*Evidence:\*\*/g)).toHaveLength(1);
    const html = renderFinalReportHtml({ state, decisions: withEffort, generatedAt });
    expect(html).toContain('<li>Evidence: 3 rounds, 60 items, 60 refresh requests, over 2 tests</li>');
  });
});
