import { describe, expect, it } from 'vitest';
import { escapeControl } from './escape-control.js';

describe('escapeControl', () => {
  it('makes escape sequences, carriage returns and bidi overrides visible', () => {
    expect(escapeControl('a\x1b[2K\x1b[1Gb\rc')).toBe('a\\x1b[2K\\x1b[1Gb\\x0dc');
    expect(escapeControl('x\u202ey\u0085z\x7f')).toBe('x\\u202ey\\x85z\\x7f');
  });

  it('keeps tabs, newlines and ordinary Unicode, and escapes newlines in one-line mode', () => {
    expect(escapeControl('a\tb\nc é 日本')).toBe('a\tb\nc é 日本');
    expect(escapeControl('a\nb', { lines: false })).toBe('a\\x0ab');
  });
});
