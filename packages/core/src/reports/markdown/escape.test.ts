import { describe, expect, it } from 'vitest';
import { escapeMarkdownCell, escapeMarkdownInline, markdownCodeBlock } from './escape.js';

describe('Markdown escaping', () => {
  it('keeps a pipe from splitting a table row and a line break from ending it', () => {
    const cell = escapeMarkdownCell('a | b\nsecond line');
    expect(cell).toBe('a \\| b<br>second line');
    expect(cell).not.toContain('\n');
  });

  it('turns raw HTML and entities into text but leaves a plain arrow readable', () => {
    expect(escapeMarkdownInline('<script>alert(1)</script>')).toBe('&lt;script>alert(1)&lt;/script>');
    expect(escapeMarkdownInline('a &amp; b &#60; c & d')).toBe('a &amp;amp; b &amp;#60; c & d');
    expect(escapeMarkdownInline('0.40 -> 0.30')).toBe('0.40 -> 0.30');
    expect(escapeMarkdownInline('> not a quote')).toBe('\\> not a quote');
    expect(escapeMarkdownInline('-3 errors')).toBe('-3 errors');
    expect(escapeMarkdownInline('---')).toBe('\\---');
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
