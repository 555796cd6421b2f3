import { describe, expect, it } from 'vitest';
import { generateLibrary } from './library.js';
import { TITLE_KINDS } from './title-kinds.js';

describe('the generated library', () => {
  it('is the same for the same seed and size, and differs for another seed', () => {
    const now = Date.UTC(2024, 0, 1);
    expect(generateLibrary(7, 120, now)).toEqual(generateLibrary(7, 120, now));
    const other = generateLibrary(8, 120, now);
    expect(other.movies.map((movie) => movie.title)).not.toEqual(
      generateLibrary(7, 120, now).movies.map((movie) => movie.title),
    );
  });

  it('holds every kind of title that trips real agents, with plain titles the largest group', () => {
    const library = generateLibrary(1, 300);
    const counts = new Map<string, number>();
    for (const movie of library.movies) counts.set(movie.kind, (counts.get(movie.kind) ?? 0) + 1);
    for (const kind of TITLE_KINDS) expect(counts.get(kind) ?? 0).toBeGreaterThan(10);
    expect(counts.get('plain')).toBeGreaterThan(100);
    const titles = library.movies.map((movie) => movie.title);
    expect(titles.some((title) => /[^\x00-\x7f]/.test(title))).toBe(true);
    expect(titles.some((title) => /^(The|A|An) /.test(title))).toBe(true);
    expect(titles.some((title) => /[:'!&/?]/.test(title))).toBe(true);
    expect(titles.some((title) => /\b(19|20)\d\d\b/.test(title))).toBe(true);
    expect(library.movies.some((movie) => movie.originalTitle && movie.originalTitle !== movie.title)).toBe(
      true,
    );
  });

  it('gives each movie a unique ratingKey, guid and metadata bundle hash', () => {
    const library = generateLibrary(3, 400);
    for (const field of ['ratingKey', 'guid', 'bundleHash'] as const) {
      expect(new Set(library.movies.map((movie) => movie[field])).size).toBe(400);
    }
    expect(library.movies[0]?.guid).toMatch(/^com\.plexapp\.agents\.simdb:\/\/sd\d+\?lang=en$/);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => generateLibrary(1, 0)).toThrow(/items: expected an integer from 1 to 100000/);
    expect(() => generateLibrary(1, 2.5)).toThrow(/items/);
  });
});
