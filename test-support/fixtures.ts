/**
 * The test data that ships with the repository (see fixtures/README.md for sources and licences):
 * real Plex plug-in log excerpts and Loghub-2k. Tests read these and nothing outside the clone.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
/** Real plug-in log excerpts, each with a `# source:` line. */
export const PLEX_LOGS_DIR = join(FIXTURES_DIR, 'plex-logs');
/** Loghub-2k: one folder per system with `<System>_2k.log` and its `_structured.csv`. */
export const LOGHUB_DIR = join(FIXTURES_DIR, 'loghub');

export const plexLog = (name: string): string => join(PLEX_LOGS_DIR, name);
