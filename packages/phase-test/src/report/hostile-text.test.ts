import type { TestResult } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import type { Judgement } from '../judge/judge.js';
import { renderTestReport } from './render-report.js';

const SVG = '<svg onload=alert(1)>';
const LINK = '[x](javascript:alert(3))';

function outsideCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)[^`]*?\1/g, '');
}

describe('test_report.md with text from hostile logs, rules and servers', () => {
  it('shows fix names, the rationale, indicators, metrics and refreshed titles as text', () => {
    const rate = { value: 0.5, numerator: 5, denominator: 10 };
    const judgement = {
      decision: 'MONITOR',
      rule: 'inconclusive',
      rationale: `rationale ${SVG} ${LINK}`,
      indicators: { met: 1, total: 2, items: [`indicator ${LINK}`, SVG] },
      evidence: {
        objective: `objective ${SVG}`,
        before: rate,
        after: rate,
        effectPct: 0,
        test: null,
        testDirection: null,
        critical: [{ metric: SVG, before: rate, after: rate, pValue: null, regressed: false }],
        thresholds: { alpha: 0.05, minSamples: 20, minEffectPct: 10, criticalMetrics: [SVG] },
        measurementError: `failed ${LINK}`,
      },
    } as unknown as Judgement;
    const result = {
      decision: 'MONITOR',
      rationale: `rationale ${SVG} ${LINK}`,
      window: { start: SVG, end: LINK },
    } as unknown as TestResult;
    const refresh = {
      kind: 'plex',
      durationMs: 10,
      requested: 1,
      completed: 1,
      timedOut: [],
      failed: [],
      chosen: [{ ratingKey: SVG, title: `<script>alert(2)</script> ${LINK}`, reason: LINK, namedAs: SVG }],
    };
    const spent = { rounds: 1, items: 2, requests: 2, waitedMs: 0 };
    const effort = { thisTest: spent, total: spent, tests: 1, method: 'fixed', look: 'once' } as never;
    const markdown = renderTestReport(result, judgement, refresh as never, effort, {
      fixId: `fix-${SVG}`,
      fixName: `Fix ${LINK}`,
      iteration: 1,
    });
    expect(outsideCode(markdown)).not.toMatch(/<svg|<script|(?<!\\)\]\(javascript:/i);
  });
});
