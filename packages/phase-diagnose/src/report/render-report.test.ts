import type { Diagnosis } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { renderReport } from './render-report.js';

const hostile = 'evil ``` fence | pipe `tick`\n# heading';

const diagnosis: Diagnosis = {
  mode: 'full',
  summary: {
    errorTypes: 1,
    errors: 3,
    explained: 0,
    fixes: 0,
    highPriority: 0,
    recommendations: 0,
    needsResearch: 1,
  },
  errorTypes: [
    {
      id: 'unknown:x|y',
      count: 3,
      share: 0.25,
      agents: ['x'],
      rules: [],
      sources: [],
      fixes: [],
      recommendations: [],
      examples: [hostile],
    },
  ],
  fixes: [],
  recommendations: [],
  needsResearch: [
    { id: 'unknown:x|y', count: 3, share: 0.25, agents: ['x'], template: 'a `b` <*>', examples: [hostile] },
  ],
};

describe('renderReport', () => {
  it('keeps text from logs inside its code spans and fences', () => {
    const report = renderReport(diagnosis);
    // The example is fenced with more backticks than it contains, so its own ``` cannot close it.
    expect(report).toContain(`\`\`\`\`text\n${hostile}\n\`\`\`\``);
    expect(report).toContain('Template: `` a `b` <*> ``');
    // Table cells escape pipes so a log value cannot add columns.
    expect(report).toContain('| `unknown:x\\|y` | 3 | 25.0% | needs research |');
    // Outside fences, the only top-level heading is the report's own.
    let fence: string | undefined;
    const headings: string[] = [];
    for (const line of report.split('\n')) {
      const opener = /^(`{3,})/.exec(line)?.[1];
      if (opener && (fence === undefined || opener === fence))
        fence = fence === undefined ? opener : undefined;
      else if (fence === undefined && line.startsWith('# ')) headings.push(line);
    }
    expect(headings).toEqual(['# Diagnostic report (full mode)']);
  });

  it('says when there is nothing to fix and nothing to research', () => {
    const empty = renderReport({
      mode: 'focused',
      fixes: [],
      comparison: { resolved: ['a'], persisting: [], new: [] },
    });
    expect(empty).toContain('No fix to propose.');
    expect(empty).toContain('Every error type is explained by a rule.');
    expect(empty).toContain('**Resolved** (1)');
  });
});

describe('renderReport on long examples', () => {
  it('cuts an example longer than 2000 characters and says how much was left out', () => {
    const long = 'x'.repeat(2500);
    const report = renderReport({
      mode: 'full',
      fixes: [],
      needsResearch: [{ id: 'unknown:long', count: 1, share: 0, agents: [], examples: [long] }],
    });
    expect(report).toContain(`${'x'.repeat(2000)} ... (500 more characters)`);
    expect(report).not.toContain('x'.repeat(2001));
  });
});
