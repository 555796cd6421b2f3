import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { modelState } from '../agent/model-store.js';
import { agentModelFolder } from '../library/library.js';
import { operationsByItem, parsePluginLog } from '../plugin-log/log-grammar.test-helpers.js';
import { agentPrefsFile, readPrefs, SHIPPED_PREFS } from '../prefs/agent-prefs.js';
import { initDataDir } from './init-data-dir.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'plex-sim-data-'));
  folders.push(folder);
  return folder;
}

function readAllLogs(pluginLogsDir: string): string {
  const files = readdirSync(pluginLogsDir).sort().reverse();
  return files.map((file) => readFileSync(join(pluginLogsDir, file), 'utf8')).join('');
}

describe('initDataDir', () => {
  it('lays out a server data folder like a real one, with the shipped preferences', async () => {
    const dataDir = join(tempFolder(), 'Plex Media Server');
    const result = await initDataDir(dataDir, { seed: 5, items: 80 });
    expect(result.created).toBe(true);
    for (const folder of [
      'Logs/PMS Plugin Logs',
      'Plug-in Support/Preferences',
      'Metadata/Movies',
      'Plug-ins/SimDB.bundle/Contents/Code',
    ]) {
      expect(statSync(join(dataDir, folder)).isDirectory()).toBe(true);
    }
    expect(existsSync(join(dataDir, 'Plug-ins/SimDB.bundle/Contents/Info.plist'))).toBe(true);
    expect(readFileSync(agentPrefsFile(dataDir), 'utf8')).toContain('<PluginPreferences>');
    expect(await readPrefs(dataDir)).toEqual(SHIPPED_PREFS);
    expect(result.library.movies).toHaveLength(80);
    expect(readdirSync(dataDir)).not.toContain('.plex-sim-initializing');
  });

  it('plants corrupt Info.xml files that the agent cannot read', async () => {
    const dataDir = join(tempFolder(), 'data');
    const result = await initDataDir(dataDir, { seed: 5, items: 120 });
    expect(result.corruptItems.length).toBeGreaterThan(2);
    for (const key of result.corruptItems) {
      const movie = result.library.movies.find((candidate) => candidate.ratingKey === key)!;
      expect(modelState(agentModelFolder(dataDir, movie))).toBe('corrupt');
    }
  });

  it('writes a history of real-format plug-in logs within the last 24 hours, one search per item', async () => {
    const dataDir = join(tempFolder(), 'data');
    const now = new Date();
    const result = await initDataDir(dataDir, { seed: 9, items: 60, now });
    const records = parsePluginLog(readAllLogs(result.layout.pluginLogsDir));
    expect(records.length).toBeGreaterThan(60 * 4);
    for (const record of records) {
      expect(record.time.getTime()).toBeGreaterThan(now.getTime() - 24 * 3_600_000);
      expect(record.time.getTime()).toBeLessThan(now.getTime());
    }
    const operations = operationsByItem(records);
    expect([...operations.keys()].sort()).toEqual(
      result.library.movies.map((movie) => movie.ratingKey).sort(),
    );
    const threads = new Set([...operations.values()].map((ops) => ops[0]![0]!.thread));
    expect(threads.size).toBe(60);
    expect(
      records.some(
        (record) =>
          record.message.startsWith('No acceptable match') || record.message.includes('No acceptable match'),
      ),
    ).toBe(true);
  });

  it('reuses an existing data folder as is', async () => {
    const dataDir = join(tempFolder(), 'data');
    const first = await initDataDir(dataDir, { seed: 2, items: 40 });
    const log = first.layout.agentLogFile;
    const before = readFileSync(log, 'utf8');
    writeFileSync(
      agentPrefsFile(dataDir),
      '<PluginPreferences><max_retries>3</max_retries></PluginPreferences>',
    );
    const second = await initDataDir(dataDir, { seed: 99, items: 10 });
    expect(second.created).toBe(false);
    expect(second.library).toEqual(first.library);
    expect(readFileSync(log, 'utf8')).toBe(before);
    expect((await readPrefs(dataDir)).maxRetries).toBe(3);
  });

  it('refuses a non-empty folder that holds no simulator library', async () => {
    const dataDir = tempFolder();
    writeFileSync(join(dataDir, 'notes.txt'), 'mine');
    await expect(initDataDir(dataDir, { items: 10 })).rejects.toThrow(
      /is not empty and holds no simulator library/,
    );
    expect(readdirSync(dataDir)).toEqual(['notes.txt']);
  });

  it('makes again a folder that an interrupted run left half-made', async () => {
    const dataDir = tempFolder();
    mkdirSync(join(dataDir, 'Logs', 'PMS Plugin Logs'), { recursive: true });
    writeFileSync(join(dataDir, 'Logs', 'PMS Plugin Logs', 'com.plexapp.agents.simdb.log'), 'half a line');
    writeFileSync(join(dataDir, '.plex-sim-initializing'), '');
    const result = await initDataDir(dataDir, { seed: 1, items: 20 });
    expect(result.created).toBe(true);
    expect(() => parsePluginLog(readAllLogs(result.layout.pluginLogsDir))).not.toThrow();
  });

  it('reports a library file that is not valid JSON with its path', async () => {
    const dataDir = join(tempFolder(), 'data');
    await initDataDir(dataDir, { items: 10 });
    const file = join(dataDir, 'Plug-in Support', 'Databases', 'com.plexapp.plugins.library.json');
    writeFileSync(file, '{"version": 1, "movies": [');
    await expect(initDataDir(dataDir)).rejects.toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON`),
    );
  });
});
