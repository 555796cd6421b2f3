import { describe, expect, it } from 'vitest';
import { RatchetError } from '../errors/ratchet-error.js';
import { compileUserRegex } from './user-regex.js';

describe('compileUserRegex', () => {
  it('runs a catastrophic pattern on the linear-time engine: a 33-character line finishes at once', () => {
    const regex = compileUserRegex('^(?<message>(a+)+)$', 'lineFormat', { hot: true });
    expect(regex.engine).toBe('re2');
    expect(regex.test(`${'a'.repeat(33)}!`)).toBe(false);
    expect(regex.exec('a'.repeat(33))?.groups?.message).toBe('a'.repeat(33));
  });

  it('keeps V8 for hot patterns the ReDoS checker proves safe', () => {
    const regex = compileUserRegex('^(?<ts>\\S+ \\S+) (?<level>[A-Z]+) (?<message>.*)$', 'lineFormat', {
      hot: true,
    });
    expect(regex.engine).toBe('native');
    const match = regex.exec('2026-01-01 10:00:00 ERROR it broke');
    expect(match?.groups).toEqual({ ts: '2026-01-01 10:00:00', level: 'ERROR', message: 'it broke' });
    expect(match?.index).toBe(0);
  });

  it('gives the same groups, index and whole match on RE2 as on V8', () => {
    const source = 'host (?<host>[\\w.]+) failed(?: with (?<code>\\d+))?';
    const regex = compileUserRegex(source, 'rule');
    expect(regex.engine).toBe('re2');
    const text = 'x: host api.example.org failed';
    const native = new RegExp(source).exec(text);
    const match = regex.exec(text);
    expect(match?.[0]).toBe(native?.[0]);
    expect(match?.index).toBe(native?.index);
    expect(match?.groups).toEqual({ ...native?.groups });
  });

  it('refuses a pattern RE2 cannot run when the checker finds it vulnerable, naming the pattern', () => {
    let caught: unknown;
    try {
      compileUserRegex('^(a|a)*\\1$', 'rules.yaml: [0].text');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RatchetError);
    expect((caught as RatchetError).code).toBe('INPUT_INVALID');
    expect((caught as RatchetError).isUsageError).toBe(true);
    expect((caught as RatchetError).message).toContain('"^(a|a)*\\\\1$"');
  });

  it('accepts lookaround the checker proves safe, on V8', () => {
    expect(compileUserRegex('foo(?=bar)', 'rule').engine).toBe('native');
  });

  it('refuses an invalid pattern with a coded error', () => {
    expect(() => compileUserRegex('(', 'rule')).toThrow(/rule: invalid regular expression: /);
  });
});
