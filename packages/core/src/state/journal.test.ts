import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from './journal.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'ratchet-journal-')), 'journal.jsonl');

describe('the journal', () => {
  it('appends checksummed lines with increasing sequence numbers, also across reopenings', () => {
    const file = fresh();
    new Journal(file).append({ type: 'start' });
    new Journal(file).append({ type: 'step:begin', step: 'aggregate', iteration: 1 });
    const { entries, tornTail, corruptLines } = Journal.read(file);
    expect(entries.map((e) => [e.seq, e.type])).toEqual([
      [1, 'start'],
      [2, 'step:begin'],
    ]);
    expect(tornTail).toBeNull();
    expect(corruptLines).toEqual([]);
    expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{16} \{"seq":1,/);
  });

  it('ignores and reports a last line cut short by a crash', () => {
    const file = fresh();
    const journal = new Journal(file);
    journal.append({ type: 'start' });
    journal.append({ type: 'step:begin', step: 'diagnose' });
    appendFileSync(file, '0123456789abcdef {"seq":3,"at":"2026-');
    const { entries, tornTail } = Journal.read(file);
    expect(entries).toHaveLength(2);
    expect(tornTail).toBe('0123456789abcdef {"seq":3,"at":"2026-');
    const reopened = new Journal(file);
    expect(reopened.tornTail).toBe('0123456789abcdef {"seq":3,"at":"2026-');
    expect(reopened.append({ type: 'resume' }).seq).toBe(3);
    const after = Journal.read(file);
    expect(after.entries.map((e) => e.type)).toEqual(['start', 'step:begin', 'resume']);
    expect(after.corruptLines).toEqual([]);
  });

  it('flags an edited line in the middle by its checksum', () => {
    const file = fresh();
    const journal = new Journal(file);
    journal.append({ type: 'start' });
    journal.append({ type: 'step:begin', step: 'test' });
    journal.append({ type: 'step:end', step: 'test' });
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"test"', '"implement"');
    writeFileSync(file, lines.join('\n'));
    const { entries, corruptLines } = Journal.read(file);
    expect(corruptLines).toEqual([2]);
    expect(entries.map((e) => e.seq)).toEqual([1, 3]);
  });
});
