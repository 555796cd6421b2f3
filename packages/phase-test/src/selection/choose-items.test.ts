import type { AggregateResult, Fix } from '@ratchet/core';
import { PlexClient } from '@ratchet/plex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlexServer } from '../../../plex/src/api/fake-plex-server.test-helpers.js';
import { chooseItems, targetedIdentifiers } from './choose-items.js';

let server: FakePlexServer;
let client: PlexClient;

const fix: Fix = { id: 'f', priority: 'HIGH', targets: ['b', 'a'], actions: [] };
const before: AggregateResult = {
  metrics: {},
  errorTypes: [
    { id: 'a', count: 2, items: ['2003', '1001'] },
    { id: 'b', count: 9, items: ['1001', '1002'] },
    { id: 'c', count: 50, items: ['1003'] },
  ],
};

beforeEach(async () => {
  server = await new FakePlexServer().start();
  server.addSection('1', 'Movies', 40);
  server.addSection('2', 'Shows', 40, 'show');
  client = new PlexClient({ url: server.url, token: server.token, retryBaseMs: 5 });
});

afterEach(async () => {
  await server.stop();
});

describe('targetedIdentifiers', () => {
  it('lists the items of the targeted error types only, the most frequent type first, without repeats', () => {
    expect(targetedIdentifiers(fix, before)).toEqual(['1001', '1002', '2003']);
  });
});

describe('chooseItems', () => {
  it('draws the same control sample for the same seed and another for another seed', async () => {
    const first = await chooseItems(client, { fix, before, total: 10, seed: 'fix:1' });
    const again = await chooseItems(client, { fix, before, total: 10, seed: 'fix:1' });
    const other = await chooseItems(client, { fix, before, total: 10, seed: 'fix:2' });
    const keys = (selection: typeof first) => selection.items.map((item) => item.ratingKey);
    expect(keys(first)).toEqual(keys(again));
    expect(keys(first)).not.toEqual(keys(other));
    expect(new Set(keys(first)).size).toBe(10);
    expect(keys(first).slice(0, 3)).toEqual(['1001', '1002', '2003']);
  });

  it("samples controls from the targeted items' sections, or from the sections asked for", async () => {
    const onlyMovies = await chooseItems(client, {
      fix,
      before: { metrics: {}, errorTypes: [{ id: 'a', count: 1, items: ['1001'] }] },
      total: 8,
      seed: 1,
    });
    expect(onlyMovies.sections).toEqual(['1']);
    expect(onlyMovies.items.every((item) => item.sectionId === '1')).toBe(true);
    const shows = await chooseItems(client, {
      fix,
      before: { metrics: {}, errorTypes: [] },
      total: 5,
      seed: 1,
      sections: ['Shows'],
    });
    expect(shows.items).toHaveLength(5);
    expect(shows.items.every((item) => item.sectionId === '2' && item.reason === 'control')).toBe(true);
  });

  it('takes every item when the library is smaller than the sample', async () => {
    const small = await new FakePlexServer().start();
    small.addSection('1', 'Tiny', 3);
    try {
      const tiny = new PlexClient({ url: small.url, token: small.token });
      const selection = await chooseItems(tiny, {
        fix,
        before: { metrics: {}, errorTypes: [] },
        total: 20,
        seed: 1,
      });
      expect(selection.items.map((item) => item.ratingKey).sort()).toEqual(['1000', '1001', '1002']);
    } finally {
      await small.stop();
    }
  });
});
