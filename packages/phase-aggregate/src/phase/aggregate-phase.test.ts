import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PhaseContext } from '@ratchet/core';
import { AggregateResultSchema, silentLogger } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import createPhase from '../index.js';
import { plexLine, testdir } from '../testdir.test-helpers.js';

function phaseContext(runDir: string): PhaseContext {
  return {
    iteration: 1,
    runDir,
    outDir: runDir,
    signal: new AbortController().signal,
    log: silentLogger,
    events: {} as PhaseContext['events'],
    state: {} as PhaseContext['state'],
    measure: async () => {
      throw new Error('not used');
    },
    progress: () => {},
  };
}

const LOG = [
  plexLine(
    '2026-02-01 10:00:00,000',
    'a1',
    'INFO',
    'agentkit:961',
    "Searching for matches for {'id': '5', 'name': 'Heat'}",
  ),
  plexLine(
    '2026-02-01 10:00:00,500',
    'a1',
    'ERROR',
    'networking:196',
    "Error opening URL 'http://api.simdb.example/v2/5'",
  ),
  plexLine(
    '2026-02-01 12:00:00,000',
    'a1',
    'INFO',
    'agentkit:961',
    "Searching for matches for {'id': '6', 'name': 'Ran'}",
  ),
].join('\n');

describe('the aggregate phase', () => {
  it('writes aggregate.json (valid for the core schema) and aggregate.md into a new runDir', async () => {
    const dir = await testdir({ 'logs/com.plexapp.agents.simdb.log': LOG });
    const phase = await createPhase({ logs: 'logs' }, { configDir: dir, log: silentLogger, settings: {} });
    const runDir = join(dir, 'out', 'iterations', '01');
    const result = await phase.run({ purpose: 'baseline' }, phaseContext(runDir));
    expect(result.metrics).toMatchObject({ records: 3, searchOps: 2, urlErrors: 1 });
    expect((await readdir(runDir)).sort()).toEqual(['aggregate.json', 'aggregate.md']);
    const written = AggregateResultSchema.parse(
      JSON.parse(await readFile(join(runDir, 'aggregate.json'), 'utf8')),
    );
    expect(written.metrics).toEqual(result.metrics);
    const markdown = await readFile(join(runDir, 'aggregate.md'), 'utf8');
    expect(markdown).toContain('| urlErrors | 1 |');
    expect(markdown).toContain('http-error:com.plexapp.agents.simdb:no-status:api.simdb.example');
  });

  it('measures the window given by the engine rather than since/until', async () => {
    const dir = await testdir({ 'logs/com.plexapp.agents.simdb.log': LOG });
    const phase = await createPhase(
      { logs: ['logs'], since: '1h' },
      { configDir: dir, log: silentLogger, settings: {} },
    );
    const start = new Date(2026, 1, 1, 11, 0, 0).toISOString();
    const result = await phase.run({ purpose: 'test', window: { start } }, phaseContext(join(dir, 'run')));
    expect(result.metrics).toMatchObject({ records: 1, searchOps: 1, urlErrors: 0 });
    expect(result.items).toEqual([{ item: '6', ok: true }]);
    expect(result.window).toEqual({ start });
  });

  it('rejects bad options with PHASE_OPTIONS_INVALID naming the option', async () => {
    const context = { configDir: '/tmp', log: silentLogger, settings: {} };
    expect(() => createPhase({ preset: 'nginx' }, context)).toThrow(/aggregate: preset:/);
    expect(() => createPhase({ logs: 3 }, context)).toThrow(/aggregate: logs:/);
    expect(() => createPhase({ preset: 'generic' }, context)).toThrow(/aggregate: lineFormat:/);
    try {
      createPhase({ colour: 'red' }, context);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'PHASE_OPTIONS_INVALID' });
    }
  });

  it('rejects a since that is neither a duration nor a time when it runs', async () => {
    const dir = await testdir({ 'logs/com.plexapp.agents.simdb.log': LOG });
    const phase = await createPhase(
      { logs: 'logs', since: 'yesterday-ish' },
      { configDir: dir, log: silentLogger, settings: {} },
    );
    await expect(phase.run({ purpose: 'baseline' }, phaseContext(join(dir, 'run')))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('since'),
    });
  });

  it('runs the generic preset on a non-Plex log with configured metric rules', async () => {
    const dir = await testdir({
      'app/app.log': [
        '2026-02-01T10:00:00Z INFO request served in 12 ms',
        '2026-02-01T10:00:01Z ERROR database timeout after 3000 ms',
        '  at db.query (db.js:10)',
        '2026-02-01T10:00:02Z ERROR database timeout after 2500 ms',
      ].join('\n'),
    });
    const phase = await createPhase(
      {
        preset: 'generic',
        logs: 'app/app.log',
        lineFormat: '^(?<ts>\\S+) (?<level>[A-Z]+) (?<message>.*)$',
        metrics: [{ name: 'requests', message: '^request served' }],
      },
      { configDir: dir, log: silentLogger, settings: {} },
    );
    const result = await phase.run({ purpose: 'baseline' }, phaseContext(join(dir, 'run')));
    expect(result.metrics).toMatchObject({ records: 3, errorRecords: 2, requests: 1 });
    expect(result.errorTypes).toEqual([
      expect.objectContaining({ category: 'unknown', count: 2, template: 'database timeout after <*>' }),
    ]);
  });

  it('declares the metrics it produces: exactly the keys of a measurement, inline and rule-file metrics included', async () => {
    const dir = await testdir({
      'app/app.log': '2026-02-01T10:00:00Z INFO GET /a\n2026-02-01T10:00:01Z ERROR upstream timeout\n',
      'metrics.yaml': 'metrics:\n  - { name: timeouts, message: upstream timeout }\n',
    });
    const generic = await createPhase(
      {
        preset: 'generic',
        logs: 'app/app.log',
        lineFormat: '^(?<ts>\\S+) (?<level>[A-Z]+) (?<message>.*)$',
        metrics: [{ name: 'requests', message: '^GET ' }],
        rules: ['metrics.yaml'],
      },
      { configDir: dir, log: silentLogger, settings: {} },
    );
    const declared = await generic.declaredMetrics?.();
    const measured = await generic.run({ purpose: 'baseline' }, phaseContext(join(dir, 'run')));
    expect(declared).toEqual(['records', 'errorRecords', 'unparsedLines', 'requests', 'timeouts']);
    expect([...(declared ?? [])].sort()).toEqual(Object.keys(measured.metrics).sort());

    const plex = await createPhase(
      { logs: 'logs' },
      { configDir: await testdir({ 'logs/com.plexapp.agents.x.log': LOG }), log: silentLogger, settings: {} },
    );
    const plexDeclared = await plex.declaredMetrics?.();
    const plexMeasured = await plex.run({ purpose: 'baseline' }, phaseContext(join(dir, 'run2')));
    expect([...(plexDeclared ?? [])].sort()).toEqual(Object.keys(plexMeasured.metrics).sort());
  });
});
