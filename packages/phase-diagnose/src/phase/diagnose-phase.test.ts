import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RatchetError, silentLogger } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import createPhase from '../index.js';
import {
  phaseContext,
  rateLimited,
  rejection,
  simdbAggregate,
  titleMismatch,
  withTempDir,
  writeFiles,
} from '../testing/aggregates.test-helpers.js';

const factoryContext = (configDir: string) => ({ configDir, log: silentLogger, settings: {} });

describe('the diagnose phase factory', () => {
  it('writes diagnosis.json and diagnostic_report.md into the run folder and leaves no temp file', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'titles.yaml': [
          'version: 1',
          'rules:',
          '  - id: local-titles',
          '    title: Titles',
          '    confidence: 0.8',
          '    match: { category: title-mismatch, agent: "^com\\\\.plexapp\\\\.agents\\\\.(?<short>\\\\w+)$" }',
          '    rootCause: "{{short}} does not normalise titles"',
          '    fixes:',
          '      - id: "normalize:{{agent}}"',
          '        name: "Normalise {{short}} titles"',
          '        actions:',
          '          - { type: set-pref, bundleId: "{{agent}}", key: normalize_titles, value: "true" }',
          '          - { type: restart }',
        ].join('\n'),
      });
      const phase = await createPhase({ rules: ['titles.yaml'], builtin: false }, factoryContext(dir));
      expect(phase.name).toBe('diagnose');
      const runDir = join(dir, 'iterations', '01');
      const diagnosis = await phase.run(
        {
          aggregate: simdbAggregate([titleMismatch(5), rateLimited(2)]),
          mode: 'full',
          attemptedFixIds: [],
          rolledBackFixIds: [],
        },
        phaseContext(runDir),
      );
      expect(diagnosis.fixes.map((fix) => [fix.id, fix.name, fix.rootCause])).toEqual([
        ['normalize:com.plexapp.agents.simdb', 'Normalise simdb titles', 'simdb does not normalise titles'],
      ]);
      expect((await readdir(runDir)).sort()).toEqual(['diagnosis.json', 'diagnostic_report.md']);
      expect(JSON.parse(await readFile(join(runDir, 'diagnosis.json'), 'utf8'))).toEqual(diagnosis);
      const report = await readFile(join(runDir, 'diagnostic_report.md'), 'utf8');
      expect(report).toContain('- Error types identified: 2 (7 errors), explained by a rule: 1');
      expect(report).toContain('- Fixes proposed: 1, high priority: 1');
      expect(report).toContain('1. **Normalise simdb titles** (`normalize:com.plexapp.agents.simdb`): HIGH');
      expect(report).toContain('## Needs research');
      expect(report).toContain(`### \`${rateLimited().id}\``);
    });
  });

  it('rejects unknown options with PHASE_OPTIONS_INVALID naming the key', async () => {
    const error = await Promise.resolve(
      createPhase({ thresholds: { high: 0.1, medium: 0.5 } }, factoryContext('/')),
    ).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RatchetError);
    expect((error as RatchetError).code).toBe('PHASE_OPTIONS_INVALID');
    expect((error as RatchetError).message).toBe('diagnose: thresholds: medium must not be above high');

    const typo = await Promise.resolve(createPhase({ rule: ['x.yaml'] }, factoryContext('/'))).catch(
      (thrown: unknown) => thrown,
    );
    expect((typo as RatchetError).message).toBe('diagnose: (options): unknown key(s) rule');
  });

  it('resolves rule files against the config folder and fails early on a missing one', async () => {
    await withTempDir(async (dir) => {
      const error = await rejection(createPhase({ rules: ['rules/missing.yaml'] }, factoryContext(dir)));
      expect(error.code).toBe('CONFIG_NOT_FOUND');
      expect(error.message).toContain(join(dir, 'rules', 'missing.yaml'));
    });
  });
});

describe('secrets', () => {
  it('never writes the Plex token from a quoted log line into the diagnosis or the report', async () => {
    await withTempDir(async (dir) => {
      const phase = await createPhase({}, factoryContext(dir));
      const leaky = {
        id: 'local-pms-unreachable:com.example',
        category: 'local-pms-unreachable',
        count: 2,
        agents: ['com.example'],
        examples: [
          "Error opening URL 'http://127.0.0.1:32400/library/metadata/7/tree?X-Plex-Token=s3cr3tT0k3n'",
        ],
      };
      const unknown = { ...leaky, id: 'unknown:com.example', category: 'unknown' };
      const diagnosis = await phase.run(
        {
          aggregate: simdbAggregate([leaky, unknown]),
          mode: 'full',
          attemptedFixIds: [],
          rolledBackFixIds: [],
        },
        phaseContext(dir),
      );
      expect(JSON.stringify(diagnosis)).not.toContain('s3cr3tT0k3n');
      for (const file of ['diagnosis.json', 'diagnostic_report.md']) {
        const text = await readFile(join(dir, file), 'utf8');
        expect(text).not.toContain('s3cr3tT0k3n');
      }
      expect(await readFile(join(dir, 'diagnostic_report.md'), 'utf8')).toContain('X-Plex-Token=[redacted]');
    });
  });
});
