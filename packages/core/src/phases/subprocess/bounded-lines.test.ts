import { describe, expect, it } from 'vitest';
import { BoundedLines } from './bounded-lines.js';

function collect(options: { maxLineLength?: number; tailChars?: number } = {}) {
  const lines: string[] = [];
  const splitter = new BoundedLines({
    maxLineLength: options.maxLineLength ?? 1000,
    tailChars: options.tailChars ?? 1000,
    onLine: (line) => lines.push(line),
  });
  return { lines, splitter };
}

describe('BoundedLines', () => {
  it('Splits chunks into lines wherever the chunk boundaries fall, including CRLF and a last line without newline', () => {
    const { lines, splitter } = collect();
    for (const chunk of ['fir', 'st\r\nsec', 'ond\n', '\nthi', 'rd']) splitter.write(Buffer.from(chunk));
    splitter.end();

    expect(lines).toEqual(['first', 'second', '', 'third']);
    expect(splitter.lines).toBe(4);
    expect(splitter.bytes).toBe(20);
  });

  it('Keeps a multi-byte character whole when a chunk boundary cuts through it', () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from('café ✓\n');
    splitter.write(bytes.subarray(0, 4));
    splitter.write(bytes.subarray(4, 8));
    splitter.write(bytes.subarray(8));
    splitter.end();

    expect(lines).toEqual(['café ✓']);
  });

  it('Cuts a line longer than maxLineLength and says how much was left out', () => {
    const { lines, splitter } = collect({ maxLineLength: 10 });
    splitter.write(Buffer.from('0123456789abcdef'));
    splitter.write(Buffer.from('ghij\nshort\n'));

    expect(lines).toEqual(['0123456789 [... 10 more characters]', 'short']);
  });

  it('Keeps only the most recent lines, within tailChars, for error messages', () => {
    const { splitter } = collect({ tailChars: 20 });
    for (let i = 1; i <= 1000; i++) splitter.write(Buffer.from(`line ${i}\n`));

    expect(splitter.tailText()).toBe('line 999\nline 1000');
    expect(splitter.tailText().length).toBeLessThanOrEqual(20);
  });

  it('Emits nothing at the end when the stream ended with a newline', () => {
    const { lines, splitter } = collect();
    splitter.write(Buffer.from('only\n'));
    splitter.end();

    expect(lines).toEqual(['only']);
  });
});
