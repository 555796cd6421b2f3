import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhaseKind } from '../../contracts/phase.js';
import type { AggregateResult, Fix } from '../../contracts/schemas.js';
import { createSubprocessPhase } from './create-subprocess-phase.js';
import { createWorld, FIXTURES, PLEX_SAMPLES, type TestWorld } from './subprocess.test-helpers.js';

const SAMPLE_LOG = join(PLEX_SAMPLES, '05_hama_309_anidb_http_403.log');
const RECORD =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \((-?[0-9a-fA-F]+)\) : {1,2}([A-Z]+) \(([^)]*)\) - /;

/** What the fixtures should find in a log, computed independently here. */
async function countRecords(path: string) {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const records = lines.map((line) => RECORD.exec(line)).filter((m) => m !== null);
  const errors = records.filter((m) => m[2] === 'ERROR' || m[2] === 'CRITICAL');
  const byWhere = new Map<string, number>();
  for (const m of errors) byWhere.set(m[3] as string, (byWhere.get(m[3] as string) ?? 0) + 1);
  return { records: records.length, errors: errors.length, byWhere };
}

let world: TestWorld;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('phases written in bash', () => {
  it('An aggregate phase counts the records of a real Plex log and returns a valid AggregateResult', async () => {
    const expected = await countRecords(SAMPLE_LOG);
    const phase = createSubprocessPhase(
      'aggregate',
      {
        command: ['bash', join(FIXTURES, 'bash/aggregate.sh'), '{input}', '{output}'],
        with: { log: SAMPLE_LOG },
      },
      { configDir: world.configDir, log: world.log },
    );

    const result = await phase.run({ purpose: 'baseline' }, world.context());

    expect(expected.errors).toBeGreaterThan(0);
    expect(result.metrics).toEqual({ records: expected.records, errorRecords: expected.errors });
    expect(result.errorTypes).toEqual([{ id: 'error-record', count: expected.errors, category: 'unknown' }]);
    expect(world.log.messages('info')).toContain(`[aggregate] aggregate.sh: reading ${SAMPLE_LOG}`);
  });

  it('A diagnose phase that prints its result on stdout proposes one fix per error type seen', async () => {
    const phase = createSubprocessPhase(
      'diagnose',
      { command: ['bash', join(FIXTURES, 'bash/diagnose.sh'), '{input}'] },
      { configDir: world.configDir, log: world.log },
    );
    const aggregate: AggregateResult = {
      metrics: { records: 10 },
      errorTypes: [
        { id: 'http-403', count: 4 },
        { id: 'timeout', count: 0 },
        { id: 'model-read', count: 1 },
      ],
    };

    const diagnosis = await phase.run(
      { aggregate, mode: 'full', attemptedFixIds: [], rolledBackFixIds: [] },
      world.context(),
    );

    expect(diagnosis.fixes.map((fix) => [fix.id, fix.priority, fix.targets])).toEqual([
      ['silence-http-403', 'HIGH', ['http-403']],
      ['silence-model-read', 'HIGH', ['model-read']],
    ]);
    expect(diagnosis.fixes[0]?.actions).toEqual([]);
  });

  it('An implement phase applies a fix, and its rollback runs the same command to restore the file', async () => {
    const target = join(world.dir, 'agent.conf');
    await writeFile(target, 'retries=0\n');
    const phase = createSubprocessPhase(
      'implement',
      {
        command: ['bash', join(FIXTURES, 'bash/implement.sh'), '{input}', '{output}'],
        with: { file: target },
      },
      { configDir: world.configDir, log: world.log },
    );
    const fix: Fix = { id: 'raise-retries', priority: 'HIGH', targets: [], actions: [] };

    const applied = await phase.run({ fix }, world.context(3));
    expect(applied.fixId).toBe('raise-retries');
    expect(applied.changes).toEqual([{ action: 'edit', path: target }]);
    expect(await readFile(target, 'utf8')).toBe('retries=0\napplied raise-retries\n');

    await phase.rollback(applied, world.context(3));
    expect(await readFile(target, 'utf8')).toBe('retries=0\n');
    expect(world.log.messages('info')).toContain(`[rollback] implement.sh: restored ${target}`);
  });

  it('A test phase decides KEEP when the fix is in place and ROLLBACK when it is not', async () => {
    const target = join(world.dir, 'agent.conf');
    const phase = createSubprocessPhase(
      'test',
      { command: ['bash', join(FIXTURES, 'bash/test.sh'), '{input}', '{output}'], with: { file: target } },
      { configDir: world.configDir, log: world.log },
    );
    const fix: Fix = { id: 'raise-retries', priority: 'HIGH', targets: [], actions: [] };
    const input = {
      fix,
      applied: { fixId: 'raise-retries', changes: [] },
      before: { metrics: {}, errorTypes: [] },
      baseline: { metrics: {}, errorTypes: [] },
      objective: { metric: 'errorRecords', direction: 'lower' as const },
    };

    await writeFile(target, 'retries=0\napplied raise-retries\n');
    const kept = await phase.run(input, world.context());
    await writeFile(target, 'retries=0\n');
    const rolledBack = await phase.run(input, world.context());

    expect(kept).toEqual({ decision: 'KEEP', rationale: `${target} holds the line for raise-retries` });
    expect(rolledBack.decision).toBe('ROLLBACK');
  });
});

describe('phases written in Python', () => {
  const python = <K extends PhaseKind>(kind: K, options: Record<string, unknown>) =>
    createSubprocessPhase(
      kind,
      { command: ['python3', join(FIXTURES, 'python/phase.py'), '{input}', '{output}'], with: options },
      { configDir: world.configDir, log: world.log },
    );

  it('An aggregate phase groups the ERROR records of real Plex samples by module and line', async () => {
    for (const sample of ['05_hama_309_anidb_http_403.log', '18_italiansubs_6_cannot_read_model.log']) {
      const path = join(PLEX_SAMPLES, sample);
      const expected = await countRecords(path);

      const result = await python('aggregate', { log: path }).run({ purpose: 'measure' }, world.context());

      expect(result.metrics).toEqual({ records: expected.records, errorRecords: expected.errors });
      expect(Object.fromEntries(result.errorTypes.map((t) => [t.id, t.count]))).toEqual(
        Object.fromEntries([...expected.byWhere].map(([where, count]) => [`error:${where}`, count])),
      );
      for (const type of result.errorTypes) expect(type.examples?.length).toBeGreaterThan(0);
    }
  });

  it('A diagnose phase ranks fixes by how often their error type was seen', async () => {
    const phase = createSubprocessPhase(
      'diagnose',
      { command: ['python3', join(FIXTURES, 'python/phase.py'), '{input}', '{output}'], with: { highAt: 3 } },
      { configDir: world.configDir, log: world.log },
    );
    const aggregate = {
      metrics: {},
      errorTypes: [
        { id: 'a', count: 5 },
        { id: 'b', count: 1 },
      ],
    };

    const diagnosis = await phase.run(
      { aggregate, mode: 'focused', attemptedFixIds: [], rolledBackFixIds: [] },
      world.context(),
    );

    expect(diagnosis.fixes.map((f) => `${f.id}:${f.priority}`)).toEqual(['fix-a:HIGH', 'fix-b:LOW']);
    expect(diagnosis.fixes[0]?.actions).toEqual([{ type: 'json-set', path: 'retries', value: 3 }]);
  });

  it('An implement phase sets a JSON key, and rollback restores the exact bytes of the file', async () => {
    const settings = join(world.dir, 'settings.json');
    const original = '{\n  "retries": 0,\n  "name": "simdb"\n}\n';
    await writeFile(settings, original);
    const phase = createSubprocessPhase(
      'implement',
      {
        command: ['python3', join(FIXTURES, 'python/phase.py'), '{input}', '{output}'],
        with: { file: settings },
      },
      { configDir: world.configDir, log: world.log },
    );
    const fix: Fix = {
      id: 'retry',
      priority: 'HIGH',
      targets: [],
      actions: [{ type: 'json-set', path: 'retries', value: 3 }],
    };

    const applied = await phase.run({ fix }, world.context());
    expect(JSON.parse(await readFile(settings, 'utf8'))).toEqual({ retries: 3, name: 'simdb' });
    expect(applied).toEqual({ fixId: 'retry', changes: [{ action: 'json-set', path: settings }] });

    await phase.rollback(applied, world.context());
    expect(await readFile(settings, 'utf8')).toBe(original);
  });

  it('A test phase returns a decision with its rationale and a fresh measurement', async () => {
    const settings = join(world.dir, 'settings.json');
    await writeFile(settings, JSON.stringify({ retries: 3 }));
    const fix: Fix = {
      id: 'retry',
      priority: 'HIGH',
      targets: [],
      actions: [{ type: 'json-set', path: 'retries', value: 3 }],
    };
    const input = {
      fix,
      applied: { fixId: 'retry', changes: [] },
      before: { metrics: {}, errorTypes: [] },
      baseline: { metrics: {}, errorTypes: [] },
      objective: { metric: 'errors', direction: 'lower' as const },
    };

    const result = await python('test', { file: settings }).run(input, world.context());

    expect(result.decision).toBe('KEEP');
    expect(result.rationale).toBe('1 setting(s) checked');
    expect(result.after).toEqual({ metrics: { settingsChecked: 1 }, errorTypes: [] });
  });
});
