import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlexAPI as PlexSdk } from '@lukehagar/plexjs';
import { HTTPClient } from '@lukehagar/plexjs/lib/http.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLibrary, type SimMovie } from '../library/library.js';
import { createSimulator, type SimulatorHandle } from './simulator.js';
import { waitIdle } from './simulator.test-helpers.js';

/**
 * Two Plex clients from the registry, written by others, walk through the calls Tautulli and
 * Kometa make against the real simulator on localhost: connect, sections, paged and filtered
 * listing, fetch by rating key, refresh, activities, prefs.
 */
// biome-ignore lint/suspicious/noExplicitAny: plex-api ships no types; answers are read field by field
type Answer = { MediaContainer: any };
interface PlexApiClient {
  query(options: string | { uri: string; extraHeaders?: Record<string, string> }): Promise<Answer>;
  putQuery(options: string): Promise<Answer>;
}
const PlexApi = createRequire(import.meta.url)('plex-api') as new (options: {
  hostname: string;
  port: number;
  token: string;
}) => PlexApiClient;

let folder: string;
let sim: SimulatorHandle;
let movies: SimMovie[];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'plex-sim-clients-'));
  sim = await createSimulator({ dataDir: join(folder, 'server'), port: 0, seed: 11, items: 40 });
  movies = (await loadLibrary(sim.dataDir)).movies;
});
afterAll(async () => {
  await sim.close();
  rmSync(folder, { recursive: true, force: true });
});

/** A title fragment that matches some movies but not all, and the titles it must return. */
function titleQuery(): { needle: string; expected: string[] } {
  const needle = movies[5]!.title.split(' ').at(-1)!.slice(0, 4).toUpperCase();
  const expected = movies.filter((movie) => movie.title.toLowerCase().includes(needle.toLowerCase()));
  expect(expected.length).toBeLessThan(movies.length);
  return { needle, expected: expected.map((movie) => movie.title).sort() };
}

describe('plex-api (npm)', () => {
  let client: PlexApiClient;
  beforeAll(() => {
    client = new PlexApi({ hostname: '127.0.0.1', port: sim.port, token: sim.token });
  });

  it('connects, lists sections, pages and filters, fetches, refreshes, reads activities and prefs', async () => {
    const server = await client.query('/');
    expect(server.MediaContainer.machineIdentifier).toMatch(/^[0-9a-f]{40}$/);
    expect((await client.query('/identity')).MediaContainer.version).toBe(server.MediaContainer.version);

    const sections = (await client.query('/library/sections')).MediaContainer.Directory;
    expect(sections).toEqual([expect.objectContaining({ key: '1', type: 'movie' })]);

    const page = await client.query({
      uri: '/library/sections/1/all',
      extraHeaders: { 'X-Plex-Container-Start': '10', 'X-Plex-Container-Size': '5' },
    });
    expect(page.MediaContainer).toMatchObject({ offset: 10, size: 5, totalSize: movies.length });
    expect(page.MediaContainer.Metadata.map((item: { ratingKey: string }) => item.ratingKey)).toEqual(
      movies.slice(10, 15).map((movie) => movie.ratingKey),
    );

    const { needle, expected } = titleQuery();
    const filtered = await client.query(`/library/sections/1/all?type=1&title=${encodeURIComponent(needle)}`);
    expect(filtered.MediaContainer.Metadata.map((item: { title: string }) => item.title).sort()).toEqual(
      expected,
    );

    const target = movies[3]!;
    const item = (await client.query(`/library/metadata/${target.ratingKey}`)).MediaContainer.Metadata[0];
    expect(item).toMatchObject({ ratingKey: target.ratingKey, guid: target.guid, title: target.title });

    await client.putQuery(`/library/metadata/${target.ratingKey}/refresh`);
    const activities = (await client.query('/activities')).MediaContainer;
    // The refresh may already be done: the list holds at most that one refresh, in its own shape.
    expect(activities.size).toBe(activities.Activity?.length ?? 0);
    for (const activity of activities.Activity ?? []) {
      expect(activity.Context.key).toBe(`/library/metadata/${target.ratingKey}`);
    }
    await waitIdle(sim);
    const after = (await client.query(`/library/metadata/${target.ratingKey}`)).MediaContainer.Metadata[0];
    expect(after.updatedAt).toBeGreaterThan(item.updatedAt);

    const prefs = (await client.query('/:/prefs')).MediaContainer.Setting;
    expect(prefs.map((setting: { id: string }) => setting.id)).toContain('FriendlyName');
  });

  it('is refused with a wrong token', async () => {
    const stranger = new PlexApi({ hostname: '127.0.0.1', port: sim.port, token: 'not-the-token' });
    await expect(stranger.query('/library/sections')).rejects.toThrow(/denied request/);
  });
});

describe('@lukehagar/plexjs (generated from the OpenAPI description)', () => {
  /** plexjs has no typed filter or paging parameters: they go on the request, as Kometa sends them. */
  function sdkWith(query: Record<string, string> = {}): PlexSdk {
    const httpClient = new HTTPClient();
    httpClient.addHook('beforeRequest', (request: Request) => {
      const url = new URL(request.url);
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      return new Request(url, request);
    });
    return new PlexSdk({
      serverURL: sim.url,
      token: sim.token,
      clientIdentifier: 'ratchet-plex-sim-e2e',
      product: 'ratchet-e2e',
      version: '1',
      httpClient,
    });
  }

  it('connects, lists sections, pages and filters, fetches, refreshes, reads activities and prefs', async () => {
    const sdk = sdkWith();
    const info = await sdk.general.getServerInfo({});
    expect(info.statusCode).toBe(200);
    const identity = await sdk.general.getIdentity();
    expect(identity.object?.mediaContainer?.machineIdentifier).toMatch(/^[0-9a-f]{40}$/);

    const sections = await sdk.library.getSections();
    const directory = sections.object?.mediaContainer?.directory ?? [];
    expect(directory.map((section) => [section.key, section.title, section.hidden])).toEqual([
      ['1', 'Movies', false],
    ]);

    const page = await sdk.content.listContent(
      { sectionId: '1' },
      { headers: { 'X-Plex-Container-Start': '20', 'X-Plex-Container-Size': '7' } },
    );
    const container = page.mediaContainerWithMetadata?.mediaContainer;
    expect(container).toMatchObject({ offset: 20, size: 7, totalSize: movies.length });
    expect(page.headers['x-plex-container-total-size']).toEqual([String(movies.length)]);

    const { needle, expected } = titleQuery();
    const filtered = await sdkWith({ title: needle }).content.listContent({ sectionId: '1' });
    const titles = (filtered.mediaContainerWithMetadata?.mediaContainer?.metadata ?? []).map(
      (item) => item.title,
    );
    expect(titles.sort()).toEqual(expected);

    const target = movies[8]!;
    const fetched = await sdk.content.getMetadataItem({ ids: [target.ratingKey] });
    const item = fetched.mediaContainerWithMetadata?.mediaContainer?.metadata?.[0];
    expect(item).toMatchObject({ ratingKey: target.ratingKey, title: target.title });

    const refreshed = await sdk.library.refreshItemsMetadata({ ids: target.ratingKey });
    expect(refreshed.statusCode).toBe(200);
    const activities = await sdk.activities.listActivities();
    expect(activities.statusCode).toBe(200);
    await waitIdle(sim);
    const after = await sdk.content.getMetadataItem({ ids: [target.ratingKey] });
    expect(after.mediaContainerWithMetadata?.mediaContainer?.metadata?.[0]?.updatedAt).toBeGreaterThan(
      item?.updatedAt ?? Number.POSITIVE_INFINITY,
    );

    const prefs = await sdk.preferences.getAllPreferences();
    const settings = prefs.mediaContainerWithSettings?.mediaContainer?.setting ?? [];
    expect(settings.find((setting) => setting.id === 'FriendlyName')?.value).toBe('Ratchet SimDB server');
  });

  it('gets a 404 error for an unknown rating key', async () => {
    await expect(sdkWith().content.getMetadataItem({ ids: ['999999'] })).rejects.toThrow(/404/);
  });
});
