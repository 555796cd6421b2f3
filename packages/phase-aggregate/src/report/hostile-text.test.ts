import type { AggregateResult } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { renderAggregateMarkdown } from './markdown.js';

const SVG = '<svg onload=alert(1)>';
const LINK = '[x](javascript:alert(3))';

function outsideCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)[^`]*?\1/g, '');
}

describe('aggregate.md with text from hostile logs', () => {
  it('shows error types, hosts, exceptions, templates and problems as text', () => {
    const result: AggregateResult = {
      window: { start: SVG },
      metrics: { records: 3, [`m${SVG}`]: 1 },
      errorTypes: [
        {
          id: `unknown:${SVG}`,
          category: LINK,
          count: 3,
          host: SVG,
          exceptionType: '<script>',
          exceptionMessage: LINK,
          template: `${SVG} <*>`,
          examples: [`line ${SVG}`],
        },
      ],
      problems: [{ kind: 'unparsed', message: LINK }],
    };
    const markup = outsideCode(renderAggregateMarkdown(result));
    expect(markup).not.toMatch(/<svg|<script|(?<!\\)\]\(javascript:/i);
  });
});
