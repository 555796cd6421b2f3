import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@ratchet/core';
import { XMLValidator } from 'fast-xml-parser';
import type { SimMovie } from '../library/library.js';
import { escapeXml } from '../util/xml-escape.js';

export type ModelState = 'missing' | 'valid' | 'corrupt';

/** What the agent finds in its folder of a metadata bundle: no Info.xml, a readable one, or garbage. */
export function modelState(folder: string): ModelState {
  const file = join(folder, 'Info.xml');
  try {
    if (!statSync(file).isFile()) return 'corrupt';
    return XMLValidator.validate(readFileSync(file, 'utf8')) === true ? 'valid' : 'corrupt';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'corrupt';
  }
}

export function modelXml(movie: SimMovie, matchedId: string): string {
  return (
    `<?xml version='1.0' encoding='utf-8'?>\n<Movie>\n  <title>${escapeXml(movie.title)}</title>\n` +
    `  <year>${movie.year}</year>\n  <guid>${escapeXml(movie.guid)}</guid>\n  <simdb_id>${escapeXml(matchedId)}</simdb_id>\n` +
    `  <studio>${escapeXml(movie.studio)}</studio>\n</Movie>\n`
  );
}

export function writeModel(folder: string, movie: SimMovie, matchedId: string): void {
  writeFileAtomic(join(folder, 'Info.xml'), modelXml(movie, matchedId), { durable: false });
}

/** A half-written Info.xml, as a crash or a full disk leaves it. */
export function corruptModelXml(movie: SimMovie): string {
  return `<?xml version='1.0' encoding='utf-8'?>\n<Movie>\n  <title>${escapeXml(movie.title.slice(0, 5))}\u0000\u0000\u0000`;
}
