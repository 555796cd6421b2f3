import { describe, expect, it } from 'vitest';
import { applyEdit } from './edit.js';

describe('applyEdit', () => {
  it('replaces a literal string exactly once when one match is expected', () => {
    expect(applyEdit('a = 1\nb = 2\n', { search: 'b = 2', replace: 'b = 3', count: 1, regex: false })).toBe(
      'a = 1\nb = 3\n',
    );
  });

  it('treats dollar signs in a literal replacement as plain text', () => {
    expect(applyEdit('price', { search: 'price', replace: '$1 $&', count: 1, regex: false })).toBe('$1 $&');
  });

  it('fails, naming both counts, when the number of matches differs from the expected count', () => {
    expect(() => applyEdit('x x x', { search: 'x', replace: 'y', count: 2, regex: false })).toThrow(
      'expected 2 match(es) of "x", found 3',
    );
    expect(() => applyEdit('abc', { search: 'zzz', replace: 'y', count: 1, regex: false })).toThrow(
      'found 0',
    );
  });

  it('replaces every regex match with capture groups when the count matches', () => {
    const result = applyEdit('retries=0\ntimeout=0\n', {
      search: '^(\\w+)=0$',
      replace: '$1=3',
      count: 2,
      regex: true,
      flags: 'm',
    });
    expect(result).toBe('retries=3\ntimeout=3\n');
  });

  it('reports an invalid regular expression clearly', () => {
    expect(() => applyEdit('x', { search: '(', replace: '', count: 1, regex: true })).toThrow(
      'invalid regular expression',
    );
  });
});
