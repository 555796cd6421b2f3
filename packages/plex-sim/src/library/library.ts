import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RatchetError, writeFileAtomic } from '@ratchet/core';
import { z } from 'zod';
import { hexHash, intHash, pickHash, unitHash } from '../util/deterministic.js';
import { generateTitle, TITLE_KINDS, type TitleKind } from './title-kinds.js';

export const AGENT_BUNDLE_ID = 'com.plexapp.agents.simdb';
export const DEFAULT_ITEMS = 300;
export const DEFAULT_SEED = 1;
const FIRST_RATING_KEY = 1001;

const SimMovieSchema = z.object({
  ratingKey: z.string().regex(/^\d+$/),
  title: z.string().min(1),
  originalTitle: z.string().optional(),
  titleSort: z.string().min(1),
  year: z.number().int(),
  kind: z.enum(TITLE_KINDS),
  simdbId: z.string().min(1),
  guid: z.string().min(1),
  /** sha1 of the guid, as Plex names metadata bundles. */
  bundleHash: z.string().regex(/^[0-9a-f]{40}$/),
  addedAt: z.number().int(),
  updatedAt: z.number().int(),
  summary: z.string(),
  studio: z.string(),
  contentRating: z.string(),
  durationMs: z.number().int(),
  file: z.string(),
});
export type SimMovie = z.infer<typeof SimMovieSchema>;

const SimLibrarySchema = z.object({
  version: z.literal(1),
  seed: z.number().int(),
  machineIdentifier: z.string().min(1),
  section: z.object({ key: z.string(), title: z.string(), uuid: z.string(), createdAt: z.number().int() }),
  movies: z.array(SimMovieSchema),
});
export type SimLibrary = z.infer<typeof SimLibrarySchema>;

const STUDIOS = ['Northlight Pictures', 'Harbor & Co.', 'Studio Kōbe', 'Meridian Films', 'Blue Orchard'];
const RATINGS = ['G', 'PG', 'PG-13', 'R', 'NR'];

/** Plain titles are the largest group; each tricky kind gets an equal share of the rest. */
function kindFor(seed: number, index: number): TitleKind {
  const draw = unitHash(seed, index, 'kind');
  if (draw < 0.45) return 'plain';
  const tricky = TITLE_KINDS.slice(1);
  return tricky[Math.min(tricky.length - 1, Math.floor(((draw - 0.45) / 0.55) * tricky.length))]!;
}

function sortTitle(title: string): string {
  return title.replace(/^(the|a|an|les|die)\s+/i, '');
}

/** The library of a simulator: the same seed and size always give the same movies. */
export function generateLibrary(seed: number, items: number, now = Date.now()): SimLibrary {
  if (!Number.isInteger(items) || items < 1 || items > 100_000) {
    throw new RatchetError(
      'INPUT_INVALID',
      `plex-sim: items: expected an integer from 1 to 100000, got ${items}`,
    );
  }
  const createdAt = Math.floor(now / 1000) - 90 * 86_400;
  const movies: SimMovie[] = [];
  for (let index = 0; index < items; index += 1) {
    const kind = kindFor(seed, index);
    const generated = generateTitle(seed, index, kind);
    const year = intHash(1960, 2024, seed, index, 'year');
    const simdbId = `sd${intHash(100_000, 999_999, seed, index, 'simdb-id')}${index}`;
    const guid = `${AGENT_BUNDLE_ID}://${simdbId}?lang=en`;
    const addedAt = createdAt + intHash(0, 80 * 86_400, seed, index, 'added');
    movies.push({
      ratingKey: String(FIRST_RATING_KEY + index),
      title: generated.title,
      ...(generated.originalTitle === undefined ? {} : { originalTitle: generated.originalTitle }),
      titleSort: sortTitle(generated.title),
      year,
      kind,
      simdbId,
      guid,
      bundleHash: hexHash(40, guid),
      addedAt,
      updatedAt: addedAt,
      summary: `A ${kind.replace(/-/g, ' ')} title from the SimDB test library (${year}).`,
      studio: pickHash(STUDIOS, seed, index, 'studio'),
      contentRating: pickHash(RATINGS, seed, index, 'rating'),
      durationMs: intHash(80, 170, seed, index, 'duration') * 60_000,
      file: `/data/Movies/${generated.title.replace(/[/\\]/g, '-')} (${year})/${generated.title.replace(/[/\\]/g, '-')} (${year}).mkv`,
    });
  }
  return {
    version: 1,
    seed,
    machineIdentifier: hexHash(40, 'machine', seed),
    section: { key: '1', title: 'Movies', uuid: uuidFrom(seed), createdAt },
    movies,
  };
}

function uuidFrom(seed: number): string {
  const hex = hexHash(32, 'section-uuid', seed);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Where the library lives inside a data folder (the simulator's stand-in for the library database). */
export function libraryFile(dataDir: string): string {
  return join(dataDir, 'Plug-in Support', 'Databases', 'com.plexapp.plugins.library.json');
}

/** The metadata folder the agent reads and writes for a movie. */
export function agentModelFolder(dataDir: string, movie: SimMovie): string {
  return join(
    dataDir,
    'Metadata',
    'Movies',
    movie.bundleHash.slice(0, 1),
    `${movie.bundleHash.slice(1)}.bundle`,
    'Contents',
    AGENT_BUNDLE_ID,
  );
}

export async function saveLibrary(dataDir: string, library: SimLibrary): Promise<void> {
  await writeFileAtomic(libraryFile(dataDir), `${JSON.stringify(library, null, 1)}\n`, { verbatim: true });
}

export async function loadLibrary(dataDir: string): Promise<SimLibrary> {
  const file = libraryFile(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RatchetError('INPUT_INVALID', `plex-sim: cannot read the library file ${file}`, {
      cause: error,
      hint: 'Use a data folder made by initDataDir (or `ratchet sim --data DIR` on an empty folder).',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RatchetError('INPUT_INVALID', `plex-sim: ${file} is not valid JSON`, { cause: error });
  }
  const parsed = SimLibrarySchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new RatchetError(
      'INPUT_INVALID',
      `plex-sim: ${file}: ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`,
      { hint: 'Delete the data folder to let the simulator lay out a fresh one.' },
    );
  }
  return parsed.data;
}
