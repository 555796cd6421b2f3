import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimMovie } from '../library/library.js';
import { loadLibrary } from '../library/library.js';
import { createSimulator, type SimulatorHandle } from './simulator.js';
import { getJson, headers } from './simulator.test-helpers.js';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
let folder: string;
let sim: SimulatorHandle;
let movies: SimMovie[];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'plex-sim-fidelity-'));
  sim = await createSimulator({ dataDir: join(folder, 'server'), port: 0, seed: 5, items: 60 });
  movies = (await loadLibrary(sim.dataDir)).movies;
});
afterAll(async () => {
  await sim.close();
  rmSync(folder, { recursive: true, force: true });
});

async function status(path: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(`${sim.url}${path}`, { headers: headers(sim), ...init });
  await response.arrayBuffer();
  return response.status;
}

async function titles(query: string): Promise<string[]> {
  const body = await getJson(sim, `/library/sections/1/all?${query}`);
  return (body.MediaContainer.Metadata ?? []).map((item: { title: string }) => item.title);
}

describe('GET / and /:/prefs', () => {
  it('sends the server fields of the published ServerConfiguration, in JSON and XML alike', async () => {
    const json = (await getJson(sim, '/')).MediaContainer;
    for (const field of ['machineIdentifier', 'version', 'friendlyName', 'platform', 'myPlex', 'allowSync']) {
      expect(json).toHaveProperty(field);
    }
    expect(typeof json.transcoderActiveVideoSessions).toBe('number');
    expect(typeof json.multiuser).toBe('boolean');
    const response = await fetch(`${sim.url}/`, { headers: headers(sim, false) });
    const fromXml = xml.parse(await response.text()).MediaContainer;
    expect(fromXml.machineIdentifier).toBe(json.machineIdentifier);
    expect(fromXml.multiuser).toBe('0');
    expect(
      Object.keys(fromXml)
        .filter((key) => key !== 'Directory')
        .sort(),
    ).toEqual(
      Object.keys(json)
        .filter((key) => key !== 'Directory')
        .sort(),
    );
  });

  it('lists server settings with id, type and value', async () => {
    const prefs = (await getJson(sim, '/:/prefs')).MediaContainer;
    const friendly = prefs.Setting.find((setting: { id: string }) => setting.id === 'FriendlyName');
    expect(friendly).toMatchObject({ type: 'text', value: 'Ratchet SimDB server' });
    expect(prefs.size).toBe(prefs.Setting.length);
  });
});

describe('GET /library/sections/1/all filters', () => {
  it('title is a case-insensitive substring and returns only the matching items', async () => {
    const target = movies[7]!;
    const needle = target.title.slice(1, 5).toUpperCase();
    const expected = movies.filter((movie) => movie.title.toLowerCase().includes(needle.toLowerCase()));
    const found = await titles(`title=${encodeURIComponent(needle)}`);
    expect(found).toContain(target.title);
    expect(found.sort()).toEqual(expected.map((movie) => movie.title).sort());
    expect(found.length).toBeLessThan(movies.length);
  });

  it('year, guid and type filter; totalSize counts the matching items', async () => {
    const year = movies[3]!.year;
    const body = await getJson(sim, `/library/sections/1/all?year=${year}&X-Plex-Container-Size=1`);
    expect(body.MediaContainer.totalSize).toBe(movies.filter((movie) => movie.year === year).length);
    expect(body.MediaContainer.Metadata[0].year).toBe(year);
    expect(await titles(`guid=${encodeURIComponent(movies[9]!.guid)}`)).toEqual([movies[9]!.title]);
    expect(await titles('type=1')).toHaveLength(movies.length);
    expect(await titles('type=2')).toEqual([]);
  });

  it('sorts by a field, descending with :desc, ties by rating key', async () => {
    const body = await getJson(sim, '/library/sections/1/all?sort=year:desc,titleSort');
    const years = body.MediaContainer.Metadata.map((item: { year: number }) => item.year);
    expect(years).toEqual([...years].sort((a, b) => b - a));
    expect(years).toHaveLength(movies.length);
  });

  it('answers 400 for a bad year, type, sort or an unsupported filter', async () => {
    for (const query of [
      'year=recent',
      'type=spaceship',
      'sort=rating',
      'sort=year:sideways',
      'studio=Blue',
    ]) {
      expect(await status(`/library/sections/1/all?${query}`), query).toBe(400);
    }
    expect(
      await status('/library/sections/1/all', {
        headers: { ...headers(sim), 'X-Plex-Container-Start': 'x' },
      }),
    ).toBe(400);
  });
});

describe('status codes', () => {
  it('404 for an unknown item, section or children; 401 for a bad token; 405 for GET refresh', async () => {
    expect(await status('/library/metadata/999999')).toBe(404);
    expect(await status('/library/metadata/999999/children')).toBe(404);
    expect(await status('/library/sections/9/all')).toBe(404);
    expect(await status('/library/metadata/1001/refresh')).toBe(405);
    const response = await fetch(`${sim.url}/library/sections`, { headers: { 'X-Plex-Token': 'wrong' } });
    await response.arrayBuffer();
    expect(response.status).toBe(401);
  });

  it('a movie has no children: an empty container', async () => {
    const body = await getJson(sim, `/library/metadata/${movies[0]!.ratingKey}/children`);
    expect(body.MediaContainer.size).toBe(0);
  });
});
