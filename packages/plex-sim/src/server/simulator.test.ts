import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelState } from '../agent/model-store.js';
import { chooseMatch, searchCandidates } from '../agent/provider-model.js';
import { pythonRepr } from '../agent/simdb-agent.js';
import { dataDirLayout } from '../data-dir/init-data-dir.js';
import type { SimMovie } from '../library/library.js';
import { operationsByItem } from '../plugin-log/log-grammar.test-helpers.js';
import { agentPrefsFile, SHIPPED_PREFS } from '../prefs/agent-prefs.js';
import { createSimulator, type SimulatorHandle } from './simulator.js';
import {
  getJson,
  headers,
  lastOperation,
  operationKind,
  type PlexBody,
  readAgentLog,
  refresh,
  waitHealthy,
  waitIdle,
} from './simulator.test-helpers.js';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
let folder: string;
let sim: SimulatorHandle;
let movies: SimMovie[];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'plex-sim-server-'));
  sim = await createSimulator({
    dataDir: join(folder, 'server'),
    port: 0,
    seed: 3,
    items: 150,
    timeScale: 0.2,
    restartMs: 250,
  });
  const all = await getJson(sim, '/library/sections/1/all');
  movies = JSON.parse(
    readFileSync(
      join(sim.dataDir, 'Plug-in Support', 'Databases', 'com.plexapp.plugins.library.json'),
      'utf8',
    ),
  ).movies;
  expect(all.MediaContainer.size).toBe(150);
});
afterAll(async () => {
  await sim?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Items of each kind of outcome, read from the history the data folder was seeded with. */
function historyItemsOfKind(kind: string): string[] {
  const operations = operationsByItem(readAgentLog(sim.dataDir));
  return [...operations.entries()].filter(([, ops]) => operationKind(ops[0]!) === kind).map(([key]) => key);
}

describe('the Plex API of the simulator', () => {
  it('answers /identity without a token, in XML by default and in JSON on request', async () => {
    const plain = await fetch(`${sim.url}/identity`);
    expect(plain.headers.get('content-type')).toMatch(/xml/);
    const parsed = xml.parse(await plain.text());
    expect(parsed.MediaContainer.machineIdentifier).toMatch(/^[0-9a-f]{40}$/);
    expect(parsed.MediaContainer.version).toMatch(/^\d+\.\d+\.\d+\.\d+-/);
    const response = await fetch(`${sim.url}/identity`, { headers: { Accept: 'application/json' } });
    const json = (await response.json()) as PlexBody;
    expect(json.MediaContainer.machineIdentifier).toBe(parsed.MediaContainer.machineIdentifier);
  });

  it('answers 401 without a valid token, and accepts the token as a header or a query parameter', async () => {
    expect((await fetch(`${sim.url}/`)).status).toBe(401);
    expect(
      (await fetch(`${sim.url}/library/sections`, { headers: { 'X-Plex-Token': 'wrong' } })).status,
    ).toBe(401);
    expect((await fetch(`${sim.url}/library/sections?X-Plex-Token=${sim.token}`)).status).toBe(200);
    const root = await getJson(sim, '/');
    expect(root.MediaContainer).toMatchObject({ friendlyName: 'Ratchet SimDB server', platform: 'Linux' });
  });

  it('lists the movie section with the fields real servers send, in JSON and XML', async () => {
    const json = await getJson(sim, '/library/sections');
    expect(json.MediaContainer.Directory[0]).toMatchObject({
      key: '1',
      type: 'movie',
      title: 'Movies',
      agent: 'com.plexapp.agents.simdb',
    });
    const response = await fetch(`${sim.url}/library/sections`, { headers: headers(sim, false) });
    const parsed = xml.parse(await response.text());
    expect(parsed.MediaContainer.Directory.key).toBe('1');
    expect(parsed.MediaContainer.Directory.Location.path).toBe('/data/Movies');
  });

  it('pages /all with X-Plex-Container-Start/Size as headers or query, with totalSize', async () => {
    const seen: string[] = [];
    for (let start = 0; start < 150; start += 40) {
      const page = await getJson(sim, '/library/sections/1/all', {
        'X-Plex-Container-Start': String(start),
        'X-Plex-Container-Size': '40',
      });
      expect(page.MediaContainer.totalSize).toBe(150);
      expect(page.MediaContainer.offset).toBe(start);
      seen.push(...page.MediaContainer.Metadata.map((item: { ratingKey: string }) => item.ratingKey));
    }
    expect(new Set(seen).size).toBe(150);
    const viaQuery = await getJson(
      sim,
      '/library/sections/1/all?X-Plex-Container-Start=140&X-Plex-Container-Size=40',
    );
    expect(viaQuery.MediaContainer.size).toBe(10);
    const onlyTotal = await fetch(`${sim.url}/library/sections/1/all?X-Plex-Container-Size=0`, {
      headers: headers(sim),
    });
    expect(onlyTotal.headers.get('x-plex-container-total-size')).toBe('150');
    expect(((await onlyTotal.json()) as PlexBody).MediaContainer.size).toBe(0);
    const bad = await fetch(`${sim.url}/library/sections/1/all?X-Plex-Container-Size=ten`, {
      headers: headers(sim),
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${sim.url}/library/sections/9/all`, { headers: headers(sim) })).status).toBe(404);
  });

  it('returns items by ratingKey, several at once, and in XML as Video elements with Media and Part', async () => {
    const [first, second] = movies;
    const json = await getJson(sim, `/library/metadata/${first!.ratingKey},${second!.ratingKey}`);
    expect(json.MediaContainer.Metadata.map((item: { title: string }) => item.title)).toEqual([
      first!.title,
      second!.title,
    ]);
    const response = await fetch(`${sim.url}/library/metadata/${first!.ratingKey}`, {
      headers: headers(sim, false),
    });
    const parsed = xml.parse(await response.text());
    expect(parsed.MediaContainer.Video.guid).toBe(first!.guid);
    expect(parsed.MediaContainer.Video.Media.Part.file).toBe(first!.file);
    expect((await fetch(`${sim.url}/library/metadata/999999`, { headers: headers(sim) })).status).toBe(404);
  });

  it('only refreshes with PUT: GET on refresh is 405 as on a real server', async () => {
    const response = await fetch(`${sim.url}/library/metadata/${movies[0]!.ratingKey}/refresh`, {
      headers: headers(sim),
    });
    expect(response.status).toBe(405);
  });
});

describe('a refresh', () => {
  it('is queued as a library.refresh.items activity and bumps updatedAt when done', async () => {
    const batch = movies.slice(5, 17);
    const before = await getJson(sim, `/library/metadata/${batch.map((movie) => movie.ratingKey).join(',')}`);
    const responses = await Promise.all(batch.map((movie) => refresh(sim, movie.ratingKey)));
    expect(responses.map((response) => response.status)).toEqual(batch.map(() => 200));
    const uuids = responses.map((response) => response.headers.get('x-plex-activity'));
    const activities = (await getJson(sim, '/activities')).MediaContainer.Activity as Array<{
      uuid: string;
      type: string;
      Context: { key: string };
    }>;
    expect(activities.length).toBeGreaterThan(0);
    for (const activity of activities) {
      expect(uuids).toContain(activity.uuid);
      expect(activity.type).toBe('library.refresh.items');
      expect(batch.map((movie) => `/library/metadata/${movie.ratingKey}`)).toContain(activity.Context.key);
    }
    await waitIdle(sim);
    const after = await getJson(sim, `/library/metadata/${batch.map((movie) => movie.ratingKey).join(',')}`);
    after.MediaContainer.Metadata.forEach((item: { updatedAt: number }, index: number) => {
      expect(item.updatedAt).toBeGreaterThan(before.MediaContainer.Metadata[index].updatedAt);
    });
  });

  it('writes a search record naming the item, on one thread per operation, in the real format', async () => {
    const chosen = movies.slice(20, 40);
    const started = Date.now() - 1;
    await Promise.all(chosen.map((movie) => refresh(sim, movie.ratingKey)));
    await waitIdle(sim);
    const threads = new Set<string>();
    for (const movie of chosen) {
      const operation = lastOperation(sim.dataDir, movie.ratingKey);
      const [search] = operation;
      expect(search!.level).toBe('INFO');
      expect(search!.message).toContain(
        `'id': '${movie.ratingKey}', 'name': ${pythonRepr(movie.title)}, 'year': '${movie.year}'`,
      );
      expect(search!.time.getTime()).toBeGreaterThanOrEqual(started - 1000);
      expect(operation.every((record) => record.thread === search!.thread)).toBe(true);
      threads.add(search!.thread);
    }
    expect(threads.size).toBe(chosen.length);
  });

  it('logs the same kind of outcome as the history for the same prefs: mismatch, 404, 429, model read', async () => {
    const kinds = ['title-mismatch', 'not-found', 'rate-limited', 'model-read', 'ok'];
    const picked = kinds.map((kind) => [kind, historyItemsOfKind(kind)[0]] as const);
    for (const [kind, key] of picked) expect(key, `an item of kind ${kind} in the history`).toBeDefined();
    for (const [, key] of picked) await refresh(sim, key!);
    await waitIdle(sim);
    for (const [kind, key] of picked) expect(operationKind(lastOperation(sim.dataDir, key!))).toBe(kind);

    const notFound = lastOperation(sim.dataDir, picked[1]![1]!);
    const urlError = notFound.find((record) => record.message.startsWith('Error opening URL '));
    expect(urlError).toMatchObject({ level: 'ERROR', module: 'networking' });
    expect(urlError!.message).toMatch(/^Error opening URL 'http:\/\/api\.simdb\.example\/v2\/movie\/sd\d+'$/);
    const exception = notFound.find((record) =>
      record.message.startsWith('Exception in the update function'),
    );
    expect(exception!.level).toBe('CRITICAL');
    expect(exception!.message).toMatch(
      /^Exception in the update function of agent named 'SimDB', called with guid 'com\.plexapp\.agents\.simdb:\/\/sd\d+\?lang=en' \(most recent call last\):$/,
    );
    expect(exception!.continuation.at(-1)).toBe('HTTPError: HTTP Error 404: Not Found');
    expect(exception!.continuation[0]).toMatch(/^ {2}File ".*agentkit\.py", line \d+, in _update$/);

    const modelRead = lastOperation(sim.dataDir, picked[3]![1]!);
    const cannotRead = modelRead.find((record) => record.message.startsWith('Cannot read model from '));
    expect(cannotRead!.message).toMatch(
      new RegExp(
        `^Cannot read model from ${sim.dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/Metadata/Movies/[0-9a-f]/[0-9a-f]{39}\\.bundle/Contents/com\\.plexapp\\.agents\\.simdb$`,
      ),
    );
    expect(
      modelRead.some((record) =>
        /^Exception deserializing Movie with guid '.+' \(.+\) \(most recent call last\):$/.test(
          record.message,
        ),
      ),
    ).toBe(true);
  });

  it('reads a corrupt bundle again until the folder is deleted, then writes a fresh Info.xml', async () => {
    const key = historyItemsOfKind('model-read')[1] ?? historyItemsOfKind('model-read')[0]!;
    const operation = lastOperation(sim.dataDir, key);
    await refresh(sim, key);
    await waitIdle(sim);
    expect(operationKind(lastOperation(sim.dataDir, key))).toBe('model-read');
    const folderOfModel = operation
      .find((record) => record.message.startsWith('Cannot read model from '))!
      .message.slice('Cannot read model from '.length);
    rmSync(folderOfModel, { recursive: true, force: true });
    await refresh(sim, key);
    await waitIdle(sim);
    const after = lastOperation(sim.dataDir, key);
    expect(after.some((record) => record.message.startsWith('Cannot read model from'))).toBe(false);
    const succeeded = operationKind(after) === 'ok';
    expect(after.some((record) => record.message === `Serializing to ${folderOfModel}/Info.xml`)).toBe(
      succeeded,
    );
    expect(modelState(folderOfModel)).toBe(succeeded ? 'valid' : 'missing');
  });

  it('answers 404 for an unknown item', async () => {
    expect((await refresh(sim, '424242')).status).toBe(404);
  });
});

describe('preferences and restart', () => {
  it('changes outcomes only after a restart, which reloads prefs, rolls the log over and answers 503 meanwhile', async () => {
    const normalized = { ...SHIPPED_PREFS, normalizeTitles: true };
    const movie = movies.find(
      (candidate) =>
        !chooseMatch(searchCandidates(3, candidate, SHIPPED_PREFS), 85) &&
        chooseMatch(searchCandidates(3, candidate, normalized), 85)?.correct,
    )!;
    expect(movie).toBeDefined();
    await refresh(sim, movie.ratingKey);
    await waitIdle(sim);
    expect(operationKind(lastOperation(sim.dataDir, movie.ratingKey))).toBe('title-mismatch');

    const file = agentPrefsFile(sim.dataDir);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '<normalize_titles>false</normalize_titles>',
        '<normalize_titles>true</normalize_titles>',
      ),
    );
    await refresh(sim, movie.ratingKey);
    await waitIdle(sim);
    expect(operationKind(lastOperation(sim.dataDir, movie.ratingKey))).toBe('title-mismatch');

    const restart = await fetch(`${sim.url}/:/sim/agent/restart`, { method: 'POST', headers: headers(sim) });
    expect(restart.status).toBe(202);
    expect((await fetch(`${sim.url}/identity`)).status).toBe(503);
    expect((await refresh(sim, movie.ratingKey)).status).toBe(503);
    await waitHealthy(sim);
    const log = dataDirLayout(sim.dataDir).agentLogFile;
    expect(readFileSync(log, 'utf8')).toMatch(/^.* - Starting framework core - Version: /);
    expect(readFileSync(log, 'utf8')).toContain('normalize_titles=true');
    await refresh(sim, movie.ratingKey);
    await waitIdle(sim);
    const after = lastOperation(sim.dataDir, movie.ratingKey);
    expect(after.some((record) => record.message.includes('No acceptable match'))).toBe(false);
    expect(after.some((record) => /^SimDB - matched .* with score \d+$/.test(record.message))).toBe(true);
  });

  it('refuses to restart on a preferences file with a bad value, naming the key, and keeps running', async () => {
    const file = agentPrefsFile(sim.dataDir);
    const good = readFileSync(file, 'utf8');
    try {
      writeFileSync(
        file,
        good.replace(/<match_threshold>\d+<\/match_threshold>/, '<match_threshold>lots</match_threshold>'),
      );
      const response = await fetch(`${sim.url}/:/sim/agent/restart`, {
        method: 'POST',
        headers: headers(sim),
      });
      expect(response.status).toBe(409);
      expect(await response.text()).toContain(
        'match_threshold: expected an integer, got &quot;lots&quot;'.replace(/&quot;/g, '"'),
      );
      expect((await fetch(`${sim.url}/identity`)).status).toBe(200);
    } finally {
      writeFileSync(file, good);
    }
  });

  it('protects the restart endpoint with the token', async () => {
    expect((await fetch(`${sim.url}/:/sim/agent/restart`, { method: 'POST' })).status).toBe(401);
  });
});

describe('fault injection', () => {
  it('answers a share of API requests with an error status, leaving /identity alone', async () => {
    const set = await fetch(`${sim.url}/:/sim/faults`, {
      method: 'PUT',
      headers: headers(sim),
      body: JSON.stringify({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 2 }),
    });
    expect(set.status).toBe(200);
    try {
      const limited = await fetch(`${sim.url}/library/sections`, { headers: headers(sim) });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('2');
      expect((await fetch(`${sim.url}/identity`)).status).toBe(200);
    } finally {
      await fetch(`${sim.url}/:/sim/faults`, { method: 'PUT', headers: headers(sim), body: '{}' });
    }
    expect((await fetch(`${sim.url}/library/sections`, { headers: headers(sim) })).status).toBe(200);
  });

  it('drops connections and delays answers on request', async () => {
    await fetch(`${sim.url}/:/sim/faults`, {
      method: 'PUT',
      headers: headers(sim),
      body: JSON.stringify({ dropRate: 1 }),
    });
    try {
      await expect(fetch(`${sim.url}/library/sections`, { headers: headers(sim) })).rejects.toThrow();
      await fetch(`${sim.url}/:/sim/faults`, {
        method: 'PUT',
        headers: headers(sim),
        body: JSON.stringify({ delayMs: 300 }),
      });
      const started = Date.now();
      expect((await fetch(`${sim.url}/library/sections`, { headers: headers(sim) })).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    } finally {
      await fetch(`${sim.url}/:/sim/faults`, { method: 'PUT', headers: headers(sim), body: '{}' });
    }
  });

  it('rejects an invalid fault setting with the name of the bad field', async () => {
    const response = await fetch(`${sim.url}/:/sim/faults`, {
      method: 'PUT',
      headers: headers(sim),
      body: JSON.stringify({ errorRate: 3 }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('errorRate');
  });
});

describe('determinism and secrets', () => {
  it('serves the same library and logs the same outcomes on another data folder with the same seed', async () => {
    const other = await createSimulator({ dataDir: join(folder, 'twin'), seed: 3, items: 150, timeScale: 0 });
    try {
      const ours = await getJson(sim, '/library/sections/1/all');
      const theirs = await getJson(other, '/library/sections/1/all');
      const titles = (body: PlexBody) =>
        body.MediaContainer.Metadata.map(
          (item: { title: string; ratingKey: string }) => `${item.ratingKey} ${item.title}`,
        );
      expect(titles(theirs)).toEqual(titles(ours));
      const keys = movies.slice(60, 75).map((movie) => movie.ratingKey);
      for (const key of keys) await refresh(other, key);
      await waitIdle(other);
      // the history found no Info.xml yet for items it updated; a later refresh reads it first
      const strip = (messages: string[]) =>
        messages
          .filter((message) => !message.startsWith('Deserializing from '))
          .map((message) => message.replace(/\/tmp\/[^ ']*?\/(server|twin)\//g, '<data>/'));
      const history = operationsByItem(readAgentLog(sim.dataDir));
      for (const key of keys) {
        const live = lastOperation(other.dataDir, key).map((record) => record.message);
        const first = history.get(key)![0]!.map((record) => record.message);
        expect(strip(live)).toEqual(strip(first));
      }
    } finally {
      await other.close();
    }
  });

  it('never writes the token to any file of the data folder', async () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(sim.dataDir);
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) expect(readFileSync(file, 'utf8').includes(sim.token), file).toBe(false);
  });
});

describe('bad options', () => {
  it('are refused with a RatchetError that names the option, before anything is written', async () => {
    const dataDir = join(folder, 'never-made');
    for (const [options, message] of [
      [{ port: 70_000 }, /port: expected an integer from 0 to 65535, got 70000/],
      [{ timeScale: -1 }, /timeScale: expected a number >= 0/],
      [{ workers: 0 }, /workers: expected a number >= 1/],
      [{ token: 'has space' }, /token: must be non-empty and contain no spaces/],
      [{ faults: { errorRate: 2 } }, /faults: errorRate/],
      [{ host: '0.0.0.0' }, /host: only 127\.0\.0\.1 is supported/],
    ] as const) {
      await expect(createSimulator({ dataDir, ...(options as object) })).rejects.toMatchObject({
        code: 'INPUT_INVALID',
        message: expect.stringMatching(message),
      });
    }
    expect(() => statSync(dataDir)).toThrow();
  });

  it('reports a port that is taken, with the address', async () => {
    await expect(
      createSimulator({ dataDir: join(folder, 'second'), port: sim.port, items: 5 }),
    ).rejects.toThrow(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${sim.port}`));
  });
});
