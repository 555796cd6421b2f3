import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './write-report.js';

const SVG = '<svg onload=alert(1)>';
const LINK = '[x](javascript:alert(3))';

function outsideCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)[^`]*?\1/g, '');
}

describe('implementation.md with text from hostile rules and logs', () => {
  it('shows fix names, ids, errors, paths and descriptions as text, and diffs in a fence', () => {
    const markdown = renderMarkdown([
      {
        fixId: `fix-${SVG}`,
        fixName: `<script>alert(2)</script> ${LINK}`,
        outcome: 'failed',
        startedAt: '2026-12-06T00:00:00Z',
        durationMs: 5,
        backups: `/tmp/${SVG}`,
        restarted: false,
        error: LINK,
        changes: [{ action: 'edit', path: `/x/${SVG}`, description: LINK, diff: `+ ${SVG}\n\`\`\`\n- x` }],
        targets: [],
      },
    ]);
    expect(outsideCode(markdown)).not.toMatch(/<svg|<script|(?<!\\)\]\(javascript:/i);
    expect(markdown).toContain(`+ ${SVG}`);
  });
});
