import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnosis } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import {
  rateLimited,
  SIMDB_RULES,
  simdbAggregate,
  titleMismatch,
  withTempDir,
  writeFiles,
} from '../testing/aggregates.test-helpers.js';
import { runDiagnoseCommand } from './run-diagnose-command.js';

function captureIO() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (chunk: string) => out.push(chunk) },
      stderr: { write: (chunk: string) => err.push(chunk) },
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('runDiagnoseCommand', () => {
  it('prints the diagnosis of an aggregate file as JSON on stdout', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'aggregate.json': JSON.stringify(simdbAggregate([titleMismatch(5)])) });
      const { io, stdout, stderr } = captureIO();
      const code = await runDiagnoseCommand({ input: join(dir, 'aggregate.json'), rules: [SIMDB_RULES] }, io);
      expect(stderr()).toBe('');
      expect(code).toBe(0);
      const diagnosis = JSON.parse(stdout()) as Diagnosis;
      expect(diagnosis.mode).toBe('full');
      expect(diagnosis.fixes[0]?.id).toBe('simdb-normalize-titles');
    });
  });

  it('writes a focused Markdown report to --output when given a previous diagnosis', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'before.json': JSON.stringify(simdbAggregate([titleMismatch(5), rateLimited(2)])),
        'after.json': JSON.stringify(simdbAggregate([rateLimited(1)])),
      });
      const first = captureIO();
      expect(
        await runDiagnoseCommand(
          { input: join(dir, 'before.json'), rules: [SIMDB_RULES], output: join(dir, 'diagnosis.json') },
          first.io,
        ),
      ).toBe(0);
      const second = captureIO();
      const code = await runDiagnoseCommand(
        {
          input: join(dir, 'after.json'),
          previous: join(dir, 'diagnosis.json'),
          rules: [SIMDB_RULES],
          output: join(dir, 'report.md'),
        },
        second.io,
      );
      expect(code).toBe(0);
      expect(second.stdout()).toBe('');
      const report = await readFile(join(dir, 'report.md'), 'utf8');
      expect(report).toMatch(/^# Diagnostic report \(focused mode\)/);
      expect(report).toContain('**Resolved** (1)');
      expect(report).toContain('**Persisting** (1)');
      expect((await readdir(dir)).sort()).toEqual([
        'after.json',
        'before.json',
        'diagnosis.json',
        'report.md',
      ]);
    });
  });

  it('exits 2 with a message naming the file when the input is not an AggregateResult', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'bad.json': JSON.stringify({ errorTypes: [{ id: 'x', count: -1 }] }) });
      const { io, stderr, stdout } = captureIO();
      const code = await runDiagnoseCommand({ input: join(dir, 'bad.json') }, io);
      expect(code).toBe(2);
      expect(stdout()).toBe('');
      expect(stderr()).toContain(`error INPUT_INVALID: ${join(dir, 'bad.json')}: not an AggregateResult`);
      expect(stderr()).toContain('metrics');
    });
  });

  it('exits 2 on a missing input file, on JSON that does not parse, and on a bad --mode', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'torn.json': '{"metrics": {' });
      const missing = captureIO();
      expect(await runDiagnoseCommand({ input: join(dir, 'nope.json') }, missing.io)).toBe(2);
      expect(missing.stderr()).toContain('cannot read the aggregate result (ENOENT)');
      const torn = captureIO();
      expect(await runDiagnoseCommand({ input: join(dir, 'torn.json') }, torn.io)).toBe(2);
      expect(torn.stderr()).toContain('torn.json: the aggregate result is not valid JSON');
      const mode = captureIO();
      expect(
        await runDiagnoseCommand({ input: join(dir, 'torn.json'), mode: 'partial' as 'full' }, mode.io),
      ).toBe(2);
      expect(mode.stderr()).toContain('error USAGE: --mode must be full or focused, not "partial"');
    });
  });

  it('exits 2 when a rule file has an error, naming the rule and key', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'aggregate.json': JSON.stringify(simdbAggregate([])),
        'rules.yaml':
          'rules:\n  - id: r1\n    title: T\n    match: { httpStatus: 99 }\n    rootCause: x\n    recommendation: { title: t }\n',
      });
      const { io, stderr } = captureIO();
      const code = await runDiagnoseCommand(
        { input: join(dir, 'aggregate.json'), rules: [join(dir, 'rules.yaml')] },
        io,
      );
      expect(code).toBe(2);
      expect(stderr()).toContain('rules.yaml: rule "r1" (rules[0]): match.httpStatus');
    });
  });
});
