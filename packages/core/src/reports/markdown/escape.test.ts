import { describe, expect, it } from 'vitest';
import { escapeMarkdownCell, escapeMarkdownInline, markdownCodeBlock } from './escape.js';

describe('Markdown escaping', () => {
  it('keeps a pipe from splitting a table row and a line break from ending it', () => {
    const cell = escapeMarkdownCell('a | b\nsecond line');
    expect(cell).toBe('a \\| b<br>second line');
    expect(cell).not.toContain('\n');
  });

  it('turns raw HTML into text', () => {
    expect(escapeMarkdownInline('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('neutralises emphasis, links, code spans and a leading heading or list marker', () => {
    expect(escapeMarkdownInline('*bold* _it_ [x](http://a) `code`')).toBe(
      '\\*bold\\* \\_it\\_ \\[x\\](http://a) \\`code\\`',
    );
    expect(escapeMarkdownInline('# not a heading')).toBe('\\# not a heading');
    expect(escapeMarkdownInline('- not a list')).toBe('\\- not a list');
    expect(escapeMarkdownInline('1. not a list')).toBe('1\\. not a list');
  });

  it('never leaves an empty table cell that would shift the columns', () => {
    expect(escapeMarkdownCell('')).toBe(' ');
  });

  it('fences a code block longer than any backtick run inside it', () => {
    const block = markdownCodeBlock('a ``` b ```` c');
    expect(block.startsWith('`````text\n')).toBe(true);
    expect(block.endsWith('\n`````')).toBe(true);
  });
});
