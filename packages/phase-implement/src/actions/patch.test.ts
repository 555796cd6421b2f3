import { createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { applyUnifiedDiff } from './patch.js';

const before = ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', ''].join('\n');
const after = ['line 1', 'line 2', 'line three', 'line 4', 'line 5', ''].join('\n');

describe('applyUnifiedDiff', () => {
  it('applies a unified diff made by diff -u style tools', () => {
    const diff = createTwoFilesPatch('a/conf.txt', 'b/conf.txt', before, after);
    expect(applyUnifiedDiff(before, diff)).toBe(after);
  });

  it('refuses a diff whose context no longer matches the file instead of applying it with fuzz', () => {
    const diff = createTwoFilesPatch('a/conf.txt', 'b/conf.txt', before, after);
    const drifted = before.replace('line 2', 'line two');
    expect(() => applyUnifiedDiff(drifted, diff)).toThrow('does not apply');
  });

  it('refuses a diff that touches more than one file', () => {
    const one = createTwoFilesPatch('a/x', 'b/x', 'a\n', 'b\n');
    const two = createTwoFilesPatch('a/y', 'b/y', 'c\n', 'd\n');
    expect(() => applyUnifiedDiff('a\n', `${one}${two}`)).toThrow('exactly one file');
  });

  it('refuses text that holds no hunk', () => {
    expect(() => applyUnifiedDiff('a\n', 'this is not a diff\n')).toThrow();
  });
});
