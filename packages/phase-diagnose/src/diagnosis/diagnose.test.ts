import type { DiagnoseInput, ErrorType, Fix } from '@ratchet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../phase/diagnose-phase.js';
import { DEFAULT_THRESHOLDS } from '../ranking/rank-fixes.js';
import { type LoadedRule, loadRuleSet } from '../rules/load-rules.js';
import {
  errorTypeEntries,
  rateLimited,
  SIMDB,
  SIMDB_RULES,
  simdbAggregate,
  titleMismatch,
  v2NotFound,
} from '../testing/aggregates.test-helpers.js';

let rules: LoadedRule[];
beforeAll(async () => {
  rules = await loadRuleSet({ files: [SIMDB_RULES], builtin: true });
});

const options = { thresholds: DEFAULT_THRESHOLDS };

function input(errorTypes: ErrorType[], extra: Partial<DiagnoseInput> = {}): DiagnoseInput {
  return {
    aggregate: simdbAggregate(errorTypes),
    mode: 'full',
    attemptedFixIds: [],
    rolledBackFixIds: [],
    ...extra,
  };
}

const ids = (fixes: Fix[]) => fixes.map((fix) => fix.id);

describe('diagnosing the simulated agent', () => {
  it('ranks by impact, with each alternative right after the fix it is an alternative of', async () => {
    const diagnosis = await diagnose(
      input([titleMismatch(6), rateLimited(3), v2NotFound(2)]),
      rules,
      options,
    );
    // Impacts: titles 6/25 x 0.9, 429s 3/25 x 0.85, v2 404s 2/25 x 0.9.
    expect(ids(diagnosis.fixes)).toEqual([
      'simdb-normalize-titles',
      'simdb-lower-match-threshold',
      'simdb-retry-on-429',
      'simdb-request-interval',
      'simdb-api-v3',
    ]);
    const normalize = diagnosis.fixes[0]!;
    expect(normalize.priority).toBe('HIGH');
    expect(normalize.targets).toEqual([titleMismatch().id]);
    expect(normalize.actions).toEqual([
      { type: 'set-pref', bundleId: SIMDB, key: 'normalize_titles', value: 'true' },
      { type: 'restart' },
    ]);
    // 6 of 25 items (20 + 3 rate-limited + 2 not-found extra ids), confidence 0.9.
    expect(normalize.impact).toBeCloseTo((6 / 25) * 0.9, 4);
    expect(normalize.expectedImprovement?.value).toBe(0.85);
    expect(normalize.expectedImprovement?.basis).toContain('removes up to 85% of 6 title-mismatch error(s)');
    expect(normalize.expectedImprovement?.basis).toContain('6 of 25 items (24%)');
    expect(diagnosis.fixes[1]?.alternativeOf).toBe('simdb-normalize-titles');
  });

  it('sets priorities from the configured thresholds', async () => {
    const strict = await diagnose(input([titleMismatch(6), rateLimited(3)]), rules, {
      thresholds: { high: 0.5, medium: 0.1 },
    });
    // 23 items: the 20 of the library and 3 more named by the 429s.
    const round = (value: number) => Number(value.toFixed(4));
    expect(strict.fixes.map((fix) => [fix.id, fix.priority, fix.impact])).toEqual([
      ['simdb-normalize-titles', 'MEDIUM', round((6 / 23) * 0.9)],
      ['simdb-lower-match-threshold', 'LOW', round((6 / 23) * 0.35)],
      ['simdb-retry-on-429', 'MEDIUM', round((3 / 23) * 0.85)],
      ['simdb-request-interval', 'LOW', round((3 / 23) * 0.7)],
    ]);
  });

  it('leaves out fixes already attempted', async () => {
    const diagnosis = await diagnose(
      input([titleMismatch(), rateLimited()], {
        attemptedFixIds: ['simdb-retry-on-429', 'simdb-normalize-titles'],
      }),
      rules,
      options,
    );
    expect(ids(diagnosis.fixes)).not.toContain('simdb-retry-on-429');
    expect(ids(diagnosis.fixes)).not.toContain('simdb-normalize-titles');
    expect(diagnosis.excluded).toEqual(
      expect.arrayContaining(['simdb-retry-on-429', 'simdb-normalize-titles']),
    );
  });

  it('moves the alternative of a rolled-back fix to the top with the priority of the fix it replaces', async () => {
    const diagnosis = await diagnose(
      input([titleMismatch(6), rateLimited(3)], {
        attemptedFixIds: ['simdb-normalize-titles'],
        rolledBackFixIds: ['simdb-normalize-titles'],
      }),
      rules,
      options,
    );
    const first = diagnosis.fixes[0]!;
    expect(first.id).toBe('simdb-lower-match-threshold');
    expect(first.priority).toBe('HIGH');
    expect(first.promotedBecause).toBe('alternative of rolled-back fix simdb-normalize-titles');
    expect(diagnosis.promoted).toEqual(['simdb-lower-match-threshold']);
  });

  it('explains the 404s of the v2 host with the v3 fix and not with the generic advice', async () => {
    const diagnosis = await diagnose(input([v2NotFound()]), rules, options);
    const entry = errorTypeEntries(diagnosis)[0]!;
    expect(entry.rules).toEqual(['simdb-api-v2-moved']);
    expect(entry.rootCause).toContain('still uses the moved v2 API of api.simdb.example');
    expect(diagnosis.fixes[0]?.actions[0]).toMatchObject({
      key: 'api_base_url',
      value: 'http://api.simdb.example/v3',
    });
  });

  it('does not blame the v2 API for 404s from the v3 host', async () => {
    const v3 = { ...v2NotFound(), examples: ["Error opening URL 'http://api.simdb.example/v3/movie/tt1'"] };
    const diagnosis = await diagnose(input([v3]), rules, options);
    expect(ids(diagnosis.fixes)).toEqual([]);
    expect(errorTypeEntries(diagnosis)[0]?.rules).toEqual(['http-404-moved']);
    expect(diagnosis.recommendations?.[0]?.title).toBe(
      `Point ${SIMDB} at the current address of api.simdb.example`,
    );
  });
});

describe('the built-in Plex knowledge base', () => {
  const categories = [
    'search-exception',
    'update-exception',
    'http-error',
    'rate-limited',
    'timeout',
    'local-pms-unreachable',
    'resource-hashes',
    'model-read',
    'model-write',
    'attribute-set',
    'thread-exception',
    'agent-service',
    'title-mismatch',
    'no-results',
    'plugin-start',
    'invalid-language',
  ];

  it('explains every error kind of ERRORS.md and leaves nothing to research', async () => {
    const errorTypes = categories.map((category, index) => ({
      id: `${category}:com.example.agent`,
      category,
      count: index + 1,
      agents: ['com.example.agent'],
    }));
    const diagnosis = await diagnose(input(errorTypes), rules, options);
    expect(diagnosis.needsResearch).toEqual([]);
    for (const entry of diagnosis.errorTypes as Array<{
      id: string;
      rootCause?: string;
      sources: string[];
    }>) {
      expect(entry.rootCause, entry.id).toBeTruthy();
      expect(entry.sources.length, entry.id).toBeGreaterThan(0);
    }
  });

  it('turns an agent code bug into a recommendation, never a fix', async () => {
    const nameError: ErrorType = {
      id: 'search-exception:com.phoenixadult:nameerror',
      category: 'search-exception',
      count: 4,
      agents: ['com.plexapp.agents.PhoenixAdult'],
      exceptionType: 'NameError',
      exceptionMessage: "global name 'PAutils' is not defined",
    };
    const diagnosis = await diagnose(input([nameError]), rules, options);
    expect(diagnosis.fixes).toEqual([]);
    expect(diagnosis.recommendations).toHaveLength(1);
    expect(diagnosis.recommendations?.[0]).toMatchObject({
      title: 'Update com.plexapp.agents.PhoenixAdult to a release that fixes its search function',
      rule: 'search-exception-missing-name',
      targets: [nameError.id],
    });
    expect(diagnosis.recommendations?.[0]?.detail).toContain('Ratchet cannot change the agent');
  });

  it('clears the unreadable agent folders inside Metadata bundles, one delete per path, then restarts', async () => {
    const folderA =
      '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Metadata/Movies/a/1a2b.bundle/Contents/com.plexapp.agents.simdb';
    const folderB =
      'C:\\Users\\me\\AppData\\Local\\Plex Media Server\\Metadata\\TV Shows\\c\\b9b4.bundle\\Contents\\com.plexapp.agents.italiansubs';
    const modelRead: ErrorType = {
      id: `model-read:${SIMDB}`,
      category: 'model-read',
      count: 2,
      agents: [SIMDB],
      paths: [folderA, folderB, '/tmp/elsewhere/Contents/x'],
    };
    const diagnosis = await diagnose(input([modelRead]), rules, options);
    expect(diagnosis.fixes).toHaveLength(1);
    expect(diagnosis.fixes[0]).toMatchObject({
      id: `clear-corrupt-bundles:${SIMDB}`,
      actions: [{ type: 'delete', path: folderA }, { type: 'delete', path: folderB }, { type: 'restart' }],
    });
  });

  it('deletes nothing when the unreadable paths are not inside a Metadata bundle', async () => {
    const modelRead: ErrorType = {
      id: 'model-read:x',
      category: 'model-read',
      count: 1,
      agents: ['x'],
      paths: ['/home/me/Metadata'],
    };
    const diagnosis = await diagnose(input([modelRead]), rules, options);
    expect(diagnosis.fixes).toEqual([]);
    expect(errorTypeEntries(diagnosis)[0]?.rules).toEqual(['model-read']);
  });

  it('merges the restart for resource-hash failures of several agents into one fix', async () => {
    const hashes = ['com.a', 'com.b'].map((agent) => ({
      id: `resource-hashes:${agent}`,
      category: 'resource-hashes',
      count: 1,
      agents: [agent],
    }));
    const diagnosis = await diagnose(input(hashes), rules, options);
    expect(diagnosis.fixes).toHaveLength(1);
    expect(diagnosis.fixes[0]).toMatchObject({
      id: 'restart-server-resource-hashes',
      targets: hashes.map((type) => type.id),
      actions: [{ type: 'restart' }],
    });
  });

  it('lists error types no rule explains as needing research, with their examples', async () => {
    const odd: ErrorType = {
      id: 'unknown:x:frobnicate',
      category: 'unknown',
      count: 5,
      agents: ['x'],
      template: 'frobnicate <*>',
      examples: ['frobnicate 1', 'frobnicate 2'],
    };
    const diagnosis = await diagnose(input([odd, titleMismatch()]), rules, options);
    expect(diagnosis.needsResearch).toEqual([
      expect.objectContaining({
        id: odd.id,
        count: 5,
        template: 'frobnicate <*>',
        examples: ['frobnicate 1', 'frobnicate 2'],
      }),
    ]);
  });

  it('ignores error types whose count is zero', async () => {
    const diagnosis = await diagnose(input([titleMismatch(0)]), rules, options);
    expect(diagnosis.errorTypes).toEqual([]);
    expect(diagnosis.fixes).toEqual([]);
  });

  it('rejects input that is not a DiagnoseInput with INPUT_INVALID', async () => {
    const error = await diagnose({ mode: 'full' } as unknown as DiagnoseInput, rules, options).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ code: 'INPUT_INVALID' });
  });
});
