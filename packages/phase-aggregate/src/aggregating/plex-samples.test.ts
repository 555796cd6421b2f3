import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLEX_SAMPLES_DIR } from '../testdir.test-helpers.js';
import { aggregatePlexLogs } from './aggregate-logs.js';

const SAMPLES = PLEX_SAMPLES_DIR;

interface Expected {
  records: number;
  errorRecords: number;
  exceptions: number;
  urlErrors: number;
  modelErrors: number;
  unparsedLines: number;
  titleMatchFailures?: number;
  /** category -> count of records */
  categories: Record<string, number>;
  exceptionTypes?: string[];
  httpStatuses?: number[];
  hosts?: string[];
  items?: string[];
  paths?: string[];
}

// Counted by hand with grep (see docs/aggregate.md): records = lines that start with a timestamp,
// errorRecords = `:  ERROR (` or `:  CRITICAL (`, exceptions = lines ending `(most recent call last):`.
// Every sample starts with one `# source:` line, which is an unparsed line.
const EXPECTED: Record<string, Expected> = {
  '01_hama_519_system_log_hashes_json_error.log': {
    records: 2,
    errorRecords: 2,
    exceptions: 1,
    urlErrors: 1,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'resource-hashes': 2 },
    hosts: ['resources-cdn.plexapp.com'],
  },
  '02_plexyglass_25_resource_hashes_traceback.log': {
    records: 1,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'resource-hashes': 1 },
  },
  '03_audnexus_52_resourcehashes_404.log': {
    records: 2,
    errorRecords: 2,
    exceptions: 1,
    urlErrors: 1,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'resource-hashes': 2 },
    hosts: ['127.0.0.1:32400'],
  },
  '04_mythrecordings_21_resourcehashes.log': {
    records: 4,
    errorRecords: 2,
    exceptions: 1,
    urlErrors: 1,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'resource-hashes': 2 },
  },
  '05_hama_309_anidb_http_403.log': {
    records: 18,
    errorRecords: 1,
    exceptions: 0,
    urlErrors: 1,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'http-error': 1 },
    httpStatuses: [403],
    hosts: ['anidb.net'],
  },
  '13_subzero_269_update_function_exception.log': {
    records: 3,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'update-exception': 1 },
    items: ['com.plexapp.agents.themoviedb://390054?lang=en'],
  },
  '14_subzero_216_thread_exception_keyerror.log': {
    records: 1,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'thread-exception': 1 },
    exceptionTypes: ['KeyError'],
  },
  '15_subzero_69_console_format_update_exception.log': {
    records: 1,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'update-exception': 1 },
    exceptionTypes: ['AttributeError'],
  },
  '17_subzero_283_exception_deserializing_model.log': {
    records: 6,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 1,
    unparsedLines: 1,
    categories: { 'model-read': 1 },
  },
  '18_italiansubs_6_cannot_read_model.log': {
    records: 6,
    errorRecords: 2,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 1,
    unparsedLines: 1,
    categories: { 'model-read': 1, 'update-exception': 1 },
    paths: [
      'C:\\Users\\Tidus\\AppData\\Local\\Plex Media Server\\Metadata\\TV Shows\\c\\b9b4f77a209ba5866dce880f4bb761fa5a5471b.bundle\\Contents\\com.plexapp.agents.italiansubs',
    ],
  },
  '19_xbmcnfo_update_exceptions.log': {
    records: 1,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'update-exception': 1 },
    exceptionTypes: ['UnboundLocalError'],
  },
  '20_xbmcnfo_118_model_serialize_update_flow.log': {
    records: 10,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: {},
  },
  '23_hama_anidb_ban_cache_and_mapping.log': {
    records: 4,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'rate-limited': 1 },
  },
  '24_hama_217_logkit_loadfile_cached.log': {
    records: 9,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: {},
  },
  '25_hama_259_per_agent_custom_log_anidb_lock.log': {
    records: 10,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: {},
  },
  '26_subzero_332_plugin_logs_rotation_listing.txt': {
    records: 0,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 18,
    categories: {},
  },
  '28_hama_194_system_log_agentservice_update_exception.log': {
    records: 1,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'agent-service': 1 },
  },
  '29_hama_112_search_begin_score_exception_variant_format.log': {
    records: 6,
    errorRecords: 1,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'search-exception': 1 },
  },
  '30_hama_307_344_custom_agent_log_formats.log': {
    records: 7,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: {},
  },
  '31_audnexus_92_search_attributeerror.log': {
    records: 2,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'search-exception': 1 },
    exceptionTypes: ['AttributeError'],
    items: ['17153'],
  },
  '32_audnexus_3_album_search_score_deduction.log': {
    records: 9,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    titleMatchFailures: 1,
    categories: { 'title-mismatch': 1 },
  },
  '33_audnexus_33_search_exception_windows.log': {
    records: 1,
    errorRecords: 1,
    exceptions: 1,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: { 'search-exception': 1 },
  },
  '34_pms_main_log_and_scanner_format.log': {
    records: 7,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: {},
  },
  '35_pms_main_log_newer_format_pgma_332.log': {
    records: 7,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: {},
  },
  '37_framework_startup_and_agent_registration.log': {
    records: 11,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: {},
  },
  '39_hama_522_model_serialize_response.log': {
    records: 3,
    errorRecords: 0,
    exceptions: 0,
    urlErrors: 0,
    modelErrors: 0,
    unparsedLines: 1,
    categories: {},
  },
};

describe('the real Plex samples', () => {
  it('covers every file in the samples folder', async () => {
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(SAMPLES)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`gives the hand-checked counts and categories for ${name}`, async () => {
      const result = await aggregatePlexLogs({ paths: [join(SAMPLES, name)] });
      const { metrics } = result;
      expect({
        records: metrics.records,
        errorRecords: metrics.errorRecords,
        exceptions: metrics.exceptions,
        urlErrors: metrics.urlErrors,
        modelErrors: metrics.modelErrors,
        unparsedLines: metrics.unparsedLines,
      }).toEqual({
        records: expected.records,
        errorRecords: expected.errorRecords,
        exceptions: expected.exceptions,
        urlErrors: expected.urlErrors,
        modelErrors: expected.modelErrors,
        unparsedLines: expected.unparsedLines,
      });
      expect(metrics.titleMatchFailures).toBe(expected.titleMatchFailures ?? 0);
      const categories: Record<string, number> = {};
      for (const errorType of result.errorTypes) {
        const category = errorType.category ?? '?';
        categories[category] = (categories[category] ?? 0) + errorType.count;
      }
      expect(categories).toEqual(expected.categories);
      const all = result.errorTypes;
      if (expected.exceptionTypes)
        expect(all.map((e) => e.exceptionType).filter(Boolean)).toEqual(expected.exceptionTypes);
      if (expected.httpStatuses)
        expect(all.map((e) => e.httpStatus).filter(Boolean)).toEqual(expected.httpStatuses);
      if (expected.hosts) expect(all.map((e) => e.host).filter(Boolean)).toEqual(expected.hosts);
      if (expected.items)
        expect(all.flatMap((e) => (e.items as string[] | undefined) ?? [])).toEqual(expected.items);
      if (expected.paths)
        expect(all.flatMap((e) => (e.paths as string[] | undefined) ?? [])).toEqual(expected.paths);
      for (const errorType of all) {
        expect(errorType.examples?.length).toBeGreaterThan(0);
        expect(errorType.files).toEqual([join(SAMPLES, name)]);
      }
      expect(result.problems).toEqual([]);
    });
  }
});
