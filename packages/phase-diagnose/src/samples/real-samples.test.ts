import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { aggregatePlexLogs } from '@ratchet/phase-aggregate';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLEX_LOGS_DIR } from '../../../../test-support/fixtures.js';
import { diagnose } from '../phase/diagnose-phase.js';
import { DEFAULT_THRESHOLDS } from '../ranking/rank-fixes.js';
import { type LoadedRule, loadRuleSet } from '../rules/load-rules.js';
import { errorTypeEntries } from '../testing/aggregates.test-helpers.js';

const SAMPLES = PLEX_LOGS_DIR;

// The rule that must explain each real sample, from the error kind its source thread reports
// (docs/plex/ERRORS.md). Samples without an error record must give an empty diagnosis.
const EXPECTED: Record<string, { rules: string[]; fixes?: string[] }> = {
  '01_hama_519_system_log_hashes_json_error.log': {
    rules: ['resource-hashes'],
    fixes: ['restart-server-resource-hashes'],
  },
  '02_plexyglass_25_resource_hashes_traceback.log': {
    rules: ['resource-hashes'],
    fixes: ['restart-server-resource-hashes'],
  },
  '03_audnexus_52_resourcehashes_404.log': {
    rules: ['resource-hashes'],
    fixes: ['restart-server-resource-hashes'],
  },
  '04_mythrecordings_21_resourcehashes.log': {
    rules: ['resource-hashes'],
    fixes: ['restart-server-resource-hashes'],
  },
  '05_hama_309_anidb_http_403.log': { rules: ['http-403-blocked'] },
  '13_subzero_269_update_function_exception.log': { rules: ['update-exception'] },
  '14_subzero_216_thread_exception_keyerror.log': { rules: ['thread-exception-stored-data'] },
  '15_subzero_69_console_format_update_exception.log': { rules: ['update-exception'] },
  '17_subzero_283_exception_deserializing_model.log': {
    rules: ['model-read-deserialize-corrupt'],
    fixes: ['clear-corrupt-bundles:17_subzero_283_exception_deserializing_model'],
  },
  '18_italiansubs_6_cannot_read_model.log': {
    rules: ['model-read-corrupt-bundle', 'update-exception'],
    fixes: ['clear-corrupt-bundles:18_italiansubs_6_cannot_read_model'],
  },
  '19_xbmcnfo_update_exceptions.log': { rules: ['update-exception-unbound-local'] },
  '23_hama_anidb_ban_cache_and_mapping.log': { rules: ['rate-limited-anidb-ban'] },
  '28_hama_194_system_log_agentservice_update_exception.log': { rules: ['agent-service'] },
  '29_hama_112_search_begin_score_exception_variant_format.log': { rules: ['search-exception'] },
  '31_audnexus_92_search_attributeerror.log': { rules: ['search-exception-none-value'] },
  '32_audnexus_3_album_search_score_deduction.log': { rules: ['title-mismatch'] },
  '33_audnexus_33_search_exception_windows.log': { rules: ['search-exception'] },
};

let rules: LoadedRule[];
beforeAll(async () => {
  rules = await loadRuleSet({ files: [], builtin: true });
});

describe('aggregate then diagnose on each real Plex sample', () => {
  const samples = readdirSync(SAMPLES).sort();

  it('finds every sample the expectations name in fixtures/plex-logs', () => {
    expect(samples.length).toBeGreaterThan(20);
    for (const name of Object.keys(EXPECTED)) expect(samples).toContain(name);
  });

  for (const sample of samples) {
    const expected = EXPECTED[sample];
    const title = expected
      ? `explains ${sample} with ${expected.rules.join(' and ')}`
      : `finds nothing to fix in ${sample}, which holds no error record`;
    it(title, async () => {
      const aggregate = await aggregatePlexLogs({ paths: [join(SAMPLES, sample)] });
      const diagnosis = await diagnose(
        { aggregate, mode: 'full', attemptedFixIds: [], rolledBackFixIds: [] },
        rules,
        { thresholds: DEFAULT_THRESHOLDS },
      );
      const explainedBy = [...new Set(errorTypeEntries(diagnosis).flatMap((entry) => entry.rules))];
      if (!expected) {
        expect(aggregate.errorTypes.filter((type) => type.count > 0)).toEqual([]);
        expect(diagnosis.fixes).toEqual([]);
        return;
      }
      expect(explainedBy.sort()).toEqual([...expected.rules].sort());
      expect(diagnosis.needsResearch).toEqual([]);
      expect(diagnosis.fixes.map((fix) => fix.id)).toEqual(expected.fixes ?? []);
      for (const entry of errorTypeEntries(diagnosis)) expect(entry.rootCause, entry.id).toBeTruthy();
    });
  }
});
