import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { aggregatePlexLogs } from '@ratchet/phase-aggregate';
import { initDataDir } from '@ratchet/plex-sim';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../phase/diagnose-phase.js';
import { DEFAULT_THRESHOLDS } from '../ranking/rank-fixes.js';
import { loadRuleSet } from '../rules/load-rules.js';
import { SIMDB, SIMDB_RULES, withTempDir } from '../testing/aggregates.test-helpers.js';

describe('aggregate then diagnose on the simulator’s log history', () => {
  it('finds the simdb fixes for the errors the shipped preferences cause, and clears only real corrupt bundles', async () => {
    await withTempDir(async (dir) => {
      const dataDir = join(dir, 'pms');
      const { corruptItems } = await initDataDir(dataDir, { seed: 3, items: 120 });
      const aggregate = await aggregatePlexLogs({ paths: [join(dataDir, 'Logs', 'PMS Plugin Logs')] });
      const rules = await loadRuleSet({ files: [SIMDB_RULES], builtin: true });
      const diagnosis = await diagnose(
        { aggregate, mode: 'full', attemptedFixIds: [], rolledBackFixIds: [] },
        rules,
        { thresholds: DEFAULT_THRESHOLDS },
      );

      expect(diagnosis.needsResearch).toEqual([]);
      const byId = new Map(diagnosis.fixes.map((fix) => [fix.id, fix]));
      const ids = diagnosis.fixes.map((fix) => fix.id);
      expect(ids[0]).toBe('simdb-normalize-titles');
      expect(ids[1]).toBe('simdb-lower-match-threshold');
      expect(ids).toEqual(
        expect.arrayContaining(['simdb-retry-on-429', 'simdb-request-interval', 'simdb-api-v3']),
      );

      const idsOf = (category: string, status?: number) =>
        aggregate.errorTypes
          .filter(
            (type) => type.category === category && (status === undefined || type.httpStatus === status),
          )
          .map((type) => type.id);
      expect(byId.get('simdb-normalize-titles')?.targets).toEqual(idsOf('title-mismatch'));
      // The 429s and the tracebacks they raise are one problem with one fix.
      expect(byId.get('simdb-retry-on-429')?.targets.sort()).toEqual(
        [
          ...idsOf('rate-limited', 429),
          ...idsOf('search-exception', 429),
          ...idsOf('update-exception', 429),
        ].sort(),
      );
      expect(byId.get('simdb-api-v3')?.targets).toEqual(idsOf('http-error', 404));

      const clear = byId.get(`clear-corrupt-bundles:${SIMDB}`);
      const deletes = (clear?.actions ?? []).filter((action) => action.type === 'delete');
      expect(deletes.length).toBeGreaterThan(0);
      expect(deletes.length).toBeLessThanOrEqual(corruptItems.length);
      for (const action of deletes) {
        const path = String(action.path);
        expect(path.startsWith(join(dataDir, 'Metadata', 'Movies'))).toBe(true);
        expect(path.endsWith(`/Contents/${SIMDB}`)).toBe(true);
        expect((await stat(path)).isDirectory()).toBe(true);
      }
      expect(clear?.actions.at(-1)).toEqual({ type: 'restart' });
    });
  });
});
