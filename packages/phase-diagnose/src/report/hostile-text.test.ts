import type { Diagnosis } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { renderReport } from './render-report.js';

const SVG = '<svg onload=alert(1)>';
const SCRIPT = '<script>alert(2)</script>';
const LINK = '[x](javascript:alert(3))';

/** The Markdown a viewer renders as markup: everything outside fenced blocks and code spans. */
function outsideCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)[^`]*?\1/g, '');
}

describe('diagnostic_report.md with text from hostile logs and rules', () => {
  it('shows every piece of it as text: no raw HTML, no javascript: link', () => {
    const diagnosis: Diagnosis = {
      mode: 'full',
      summary: { errorTypes: 1, errors: 3, explained: 1 },
      errorTypes: [
        {
          id: `unknown:${SVG}`,
          count: 3,
          share: 0.25,
          agents: [SCRIPT],
          rules: ['r'],
          sources: [],
          fixes: [],
          recommendations: [],
          rootCause: `${SCRIPT} ${LINK}`,
          examples: [SVG],
        },
      ],
      fixes: [
        {
          id: 'fix-1',
          name: `Fix ${SVG}`,
          priority: 'HIGH',
          impact: 0.5,
          rootCause: LINK,
          actions: [],
          targets: ['x'],
          source: [SCRIPT],
        },
      ],
      recommendations: [{ title: SVG, detail: LINK, targets: [SCRIPT] }],
      needsResearch: [
        { id: SVG, count: 3, share: 0.25, agents: [SCRIPT], template: SVG, examples: [SCRIPT] },
      ],
      problems: [`${LINK} ${SVG}`],
    } as Diagnosis;
    const markup = outsideCode(renderReport(diagnosis));
    expect(markup).not.toMatch(/<svg|<script|(?<!\\)\]\(javascript:/i);
    expect(markup).toContain('&lt;svg onload=alert(1)>');
  });
});
