import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Diagnosis, silentLogger } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import createPhase from '../index.js';
import {
  phaseContext,
  rateLimited,
  SIMDB_RULES,
  simdbAggregate,
  titleMismatch,
  v2NotFound,
  withTempDir,
} from '../testing/aggregates.test-helpers.js';

describe('focused mode', () => {
  it('reports resolved, persisting and new error types across two consecutive measurements', async () => {
    await withTempDir(async (dir) => {
      const phase = await createPhase(
        { rules: [SIMDB_RULES] },
        { configDir: dir, log: silentLogger, settings: {} },
      );
      const first = await phase.run(
        {
          aggregate: simdbAggregate([titleMismatch(6), rateLimited(3)]),
          mode: 'full',
          attemptedFixIds: [],
          rolledBackFixIds: [],
        },
        phaseContext(join(dir, 'iterations', '01')),
      );
      expect(first.comparison).toBeUndefined();

      // normalize_titles was kept: the title failures are gone, the 429s remain, the v2 404s appear.
      const second = await phase.run(
        {
          aggregate: simdbAggregate([titleMismatch(0), rateLimited(2), v2NotFound(2)]),
          mode: 'focused',
          previous: first,
          attemptedFixIds: ['simdb-normalize-titles'],
          rolledBackFixIds: [],
        },
        phaseContext(join(dir, 'iterations', '02')),
      );
      expect(second.mode).toBe('focused');
      expect(second.comparison).toEqual({
        resolved: [titleMismatch().id],
        persisting: [rateLimited().id],
        new: [v2NotFound().id],
      });
      expect(second.changes).toEqual([
        { id: titleMismatch().id, before: 6, after: null },
        { id: rateLimited().id, before: 3, after: 2 },
        { id: v2NotFound().id, before: null, after: 2 },
      ]);
      // Only what remains is diagnosed: no title fix any more.
      expect(second.fixes.map((fix) => fix.id)).toEqual([
        'simdb-api-v3',
        'simdb-retry-on-429',
        'simdb-request-interval',
      ]);

      const written = JSON.parse(
        await readFile(join(dir, 'iterations', '02', 'diagnosis.json'), 'utf8'),
      ) as Diagnosis;
      expect(written.comparison).toEqual(second.comparison);
      const report = await readFile(join(dir, 'iterations', '02', 'diagnostic_report.md'), 'utf8');
      expect(report).toContain('## Compared with the previous diagnosis');
      expect(report).toContain(`- \`${titleMismatch().id}\`: was 6`);
      expect(report).toContain(`- \`${rateLimited().id}\`: 3 -> 2`);
    });
  });

  it('counts every error type as new when there is no previous diagnosis, and says so', async () => {
    await withTempDir(async (dir) => {
      const phase = await createPhase(
        { rules: [SIMDB_RULES] },
        { configDir: dir, log: silentLogger, settings: {} },
      );
      const diagnosis = await phase.run(
        {
          aggregate: simdbAggregate([rateLimited(2)]),
          mode: 'focused',
          attemptedFixIds: [],
          rolledBackFixIds: [],
        },
        phaseContext(dir),
      );
      expect(diagnosis.comparison).toEqual({ resolved: [], persisting: [], new: [rateLimited().id] });
      expect(diagnosis.problems).toContain(
        'focused mode without a previous diagnosis: every error type counts as new',
      );
    });
  });
});
