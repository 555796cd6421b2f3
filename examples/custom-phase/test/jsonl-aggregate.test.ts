import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AggregatePhase, loadPhase, type PhaseContext } from '@ratchet/core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';

const PHASE_MODULE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'packages',
  'jsonl-aggregate',
  'src',
  'index.ts',
);

/** Loads the class the way the CLI does: the .ts module through jiti, the instance through DI. */
async function loadAggregate(options: Record<string, unknown>, configDir: string): Promise<AggregatePhase> {
  const phase = await loadPhase(
    'aggregate',
    { use: PHASE_MODULE, with: options },
    { configDir, container: container.createChildContainer(), log: console, settings: {} },
  );
  return phase as AggregatePhase;
}

function context(runDir: string): PhaseContext {
  return { runDir, signal: new AbortController().signal } as unknown as PhaseContext;
}

const line = (ts: string, level: string, record: string, reason?: string) =>
  JSON.stringify({ ts, level, event: reason ? 'record_rejected' : 'record_imported', record, reason });

describe('JsonLinesAggregatePhase', () => {
  it('counts records and errors, groups errors by reason and lists per-item outcomes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-aggregate-'));
    writeFileSync(
      join(dir, 'job.jsonl'),
      [
        JSON.stringify({ ts: '2026-01-01T10:00:00.000Z', level: 'info', event: 'job_started' }),
        line('2026-01-01T10:00:01.000Z', 'info', '1'),
        line('2026-01-01T10:00:02.000Z', 'error', '2', 'date-format'),
        line('2026-01-01T10:00:03.000Z', 'error', '3', 'date-format'),
        'not json at all',
        line('2026-01-01T10:00:04.000Z', 'error', '4', 'field-too-long'),
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'notes.txt'), 'ignored: not a .jsonl file\n');
    const phase = await loadAggregate({ logs: ['.'] }, dir);
    const result = await phase.run({ purpose: 'baseline' }, context(join(dir, 'run')));
    expect(result.metrics).toEqual({ lines: 5, records: 4, errors: 3, unparsedLines: 1 });
    expect(result.errorTypes.map((t) => [t.id, t.count, t.items])).toEqual([
      ['rejected:date-format', 2, ['2', '3']],
      ['rejected:field-too-long', 1, ['4']],
    ]);
    expect(result.items).toEqual([
      { item: '1', ok: true },
      { item: '2', ok: false },
      { item: '3', ok: false },
      { item: '4', ok: false },
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'run', 'aggregate.json'), 'utf8')).metrics.errors).toBe(3);
    expect(readFileSync(join(dir, 'run', 'aggregate.md'), 'utf8')).toContain('| rejected:date-format | 2 |');
  });

  it('measures only the window it is given (start inclusive, end exclusive)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-aggregate-'));
    const file = join(dir, 'job.jsonl');
    writeFileSync(
      file,
      [
        line('2026-01-01T10:00:00.000Z', 'error', '1', 'old'),
        line('2026-01-01T11:00:00.000Z', 'error', '2', 'in-window'),
        line('2026-01-01T12:00:00.000Z', 'error', '3', 'at-the-end'),
      ].join('\n'),
    );
    const phase = await loadAggregate({ logs: [file] }, dir);
    const result = await phase.run(
      { purpose: 'test', window: { start: '2026-01-01T11:00:00.000Z', end: '2026-01-01T12:00:00.000Z' } },
      context(join(dir, 'run')),
    );
    expect(result.errorTypes.map((t) => t.id)).toEqual(['rejected:in-window']);
  });

  it('refuses bad options with PHASE_OPTIONS_INVALID naming every bad key', async () => {
    const error = await loadAggregate({ logs: [], itemFeild: 'x' }, tmpdir()).catch((e: unknown) => e);
    // Under vitest the module's @ratchet/core (through jiti) is another copy than the test's, so the
    // loader wraps the phase's error; the CLI passes it through as is (see the e2e test).
    const cause = (error as { cause?: unknown }).cause ?? error;
    expect(cause).toMatchObject({
      code: 'PHASE_OPTIONS_INVALID',
      message: expect.stringMatching(
        /^jsonl-aggregate: logs: .*; \(options\): Unrecognized key: "itemFeild"$/,
      ),
    });
  });

  it('says which log is missing and how to create it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-aggregate-'));
    const phase = await loadAggregate({ logs: ['./logs'] }, dir);
    await expect(phase.run({ purpose: 'baseline' }, context(dir))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: `jsonl-aggregate: logs: ${join(dir, 'logs')} does not exist`,
    });
  });
});
