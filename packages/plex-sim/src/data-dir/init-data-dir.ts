import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RatchetError, writeFileAtomic } from '@ratchet/core';
import { virtualClock } from '../agent/clock.js';
import { corruptModelXml } from '../agent/model-store.js';
import { SimDbAgent } from '../agent/simdb-agent.js';
import {
  AGENT_BUNDLE_ID,
  agentModelFolder,
  DEFAULT_ITEMS,
  DEFAULT_SEED,
  generateLibrary,
  libraryFile,
  loadLibrary,
  type SimLibrary,
  saveLibrary,
} from '../library/library.js';
import { RotatingLogFile } from '../plugin-log/rotating-log-file.js';
import { SHIPPED_PREFS, writePrefs } from '../prefs/agent-prefs.js';
import { unitHash } from '../util/deterministic.js';
import { escapeXml } from '../util/xml-escape.js';
import { bundleFiles } from './bundle-files.js';

/** Share of items whose metadata bundle holds a corrupt Info.xml in a fresh data folder. */
export const CORRUPT_BUNDLE_SHARE = 0.08;
/** The history of plug-in logs spans this much time before the data folder was made. */
export const HISTORY_SPAN_MS = 22 * 3_600_000;
const IN_PROGRESS_MARKER = '.plex-sim-initializing';
const LAYOUT_ENTRIES = new Set([
  'Logs',
  'Plug-in Support',
  'Metadata',
  'Plug-ins',
  'Preferences.xml',
  IN_PROGRESS_MARKER,
]);

export interface DataDirLayout {
  dataDir: string;
  logsDir: string;
  pluginLogsDir: string;
  agentLogFile: string;
  preferencesDir: string;
  metadataDir: string;
  bundleDir: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  const root = resolve(dataDir);
  const logsDir = join(root, 'Logs');
  const pluginLogsDir = join(logsDir, 'PMS Plugin Logs');
  return {
    dataDir: root,
    logsDir,
    pluginLogsDir,
    agentLogFile: join(pluginLogsDir, `${AGENT_BUNDLE_ID}.log`),
    preferencesDir: join(root, 'Plug-in Support', 'Preferences'),
    metadataDir: join(root, 'Metadata', 'Movies'),
    bundleDir: join(root, 'Plug-ins', 'SimDB.bundle'),
  };
}

export interface InitDataDirOptions {
  seed?: number;
  items?: number;
  /** "Now" for the history (tests pin it); defaults to the wall clock. */
  now?: Date;
}

export interface InitDataDirResult {
  layout: DataDirLayout;
  library: SimLibrary;
  /** False when an existing data folder was reused as is. */
  created: boolean;
  /** ratingKeys of the items whose metadata bundle was written corrupt. */
  corruptItems: string[];
}

/**
 * Lay out a server data folder like a real one, seed the library and write a history of plug-in
 * logs over the last 22 hours (so a 24 h baseline has data). A folder that already holds a library
 * is reused as is; a folder left half-made by an interrupted run is made again.
 */
export async function initDataDir(
  dataDir: string,
  options: InitDataDirOptions = {},
): Promise<InitDataDirResult> {
  const layout = dataDirLayout(dataDir);
  const seed = options.seed ?? DEFAULT_SEED;
  const items = options.items ?? DEFAULT_ITEMS;
  if (!Number.isSafeInteger(seed)) {
    throw new RatchetError('INPUT_INVALID', `plex-sim: seed: expected an integer, got ${seed}`);
  }
  if (existsSync(libraryFile(layout.dataDir)) && !existsSync(join(layout.dataDir, IN_PROGRESS_MARKER))) {
    return { layout, library: await loadLibrary(layout.dataDir), created: false, corruptItems: [] };
  }
  await prepareEmptyFolder(layout.dataDir);
  await writeFile(join(layout.dataDir, IN_PROGRESS_MARKER), 'plex-sim is laying out this folder\n');

  const now = options.now ?? new Date();
  const library = generateLibrary(seed, items, now.getTime());
  for (const folder of [
    layout.pluginLogsDir,
    layout.preferencesDir,
    layout.metadataDir,
    join(layout.dataDir, 'Plug-in Support', 'Data', AGENT_BUNDLE_ID),
  ]) {
    await mkdir(folder, { recursive: true });
  }
  for (const [relative, content] of Object.entries(bundleFiles())) {
    await writeFileAtomic(join(layout.bundleDir, relative), content, { verbatim: true });
  }
  await writeFileAtomic(
    join(layout.dataDir, 'Preferences.xml'),
    `<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="${escapeXml(library.machineIdentifier)}" FriendlyName="Ratchet SimDB server" />\n`,
    { verbatim: true },
  );
  await writePrefs(layout.dataDir, { ...SHIPPED_PREFS });

  const corruptItems: string[] = [];
  for (const movie of library.movies) {
    if (unitHash(seed, movie.ratingKey, 'corrupt-bundle') < CORRUPT_BUNDLE_SHARE) {
      writeFileAtomic(join(agentModelFolder(layout.dataDir, movie), 'Info.xml'), corruptModelXml(movie), {
        durable: false,
      });
      corruptItems.push(movie.ratingKey);
    }
  }
  await writeHistory(layout, library, now);
  await saveLibrary(layout.dataDir, library);
  await rm(join(layout.dataDir, IN_PROGRESS_MARKER), { force: true });
  return { layout, library, created: true, corruptItems };
}

async function prepareEmptyFolder(dataDir: string): Promise<void> {
  if (!existsSync(dataDir)) {
    await mkdir(dataDir, { recursive: true });
    return;
  }
  if (!statSync(dataDir).isDirectory()) {
    throw new RatchetError('INPUT_INVALID', `plex-sim: data folder ${dataDir} is a file, not a folder`);
  }
  const entries = readdirSync(dataDir);
  if (entries.length === 0) return;
  const halfMade =
    entries.includes(IN_PROGRESS_MARKER) && entries.every((entry) => LAYOUT_ENTRIES.has(entry));
  if (!halfMade) {
    throw new RatchetError(
      'INPUT_INVALID',
      `plex-sim: data folder ${dataDir} is not empty and holds no simulator library (${libraryFile(dataDir)})`,
      { hint: 'Give an empty or new folder, or one the simulator made before.' },
    );
  }
  for (const entry of entries) await rm(join(dataDir, entry), { recursive: true, force: true });
}

/** Every item refreshed once with the shipped preferences, spread over the past HISTORY_SPAN_MS. */
async function writeHistory(layout: DataDirLayout, library: SimLibrary, now: Date): Promise<void> {
  const start = new Date(now.getTime() - HISTORY_SPAN_MS);
  const clock = virtualClock(start);
  const log = new RotatingLogFile(layout.agentLogFile);
  try {
    const agent = new SimDbAgent({
      dataDir: layout.dataDir,
      seed: library.seed,
      prefs: { ...SHIPPED_PREFS },
      log,
      clock,
    });
    agent.logStart();
    const gap = Math.floor((HISTORY_SPAN_MS - 3_600_000) / library.movies.length);
    let sequence = 0;
    for (const movie of library.movies) {
      const planned = start.getTime() + 60_000 + sequence * gap;
      if (clock.now().getTime() < planned) clock.advance(planned - clock.now().getTime());
      await agent.refresh(movie, -1 - sequence);
      sequence += 1;
    }
  } finally {
    log.close();
  }
}
