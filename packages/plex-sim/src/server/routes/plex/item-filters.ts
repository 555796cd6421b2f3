import type { SimMovie } from '../../../library/library.js';
import { HttpProblem } from '../../http/http-problem.js';

/** Plex's numeric item types; the simulator's one section holds movies only. */
const PLEX_TYPES: Record<string, number> = {
  movie: 1,
  show: 2,
  season: 3,
  episode: 4,
  artist: 8,
  album: 9,
  track: 10,
};
const MOVIE_TYPE = 1;

const SORT_FIELDS = {
  titleSort: (movie: SimMovie) => movie.titleSort.toLowerCase(),
  title: (movie: SimMovie) => movie.title.toLowerCase(),
  year: (movie: SimMovie) => movie.year,
  addedAt: (movie: SimMovie) => movie.addedAt,
  updatedAt: (movie: SimMovie) => movie.updatedAt,
  ratingKey: (movie: SimMovie) => Number(movie.ratingKey),
} satisfies Record<string, (movie: SimMovie) => string | number>;
type SortField = keyof typeof SORT_FIELDS;

/** Query parameters that are not filters: paging, client identification, response shaping. */
const IGNORED =
  /^(X-Plex-.*|includeGuids|includeMeta|includeCollections|includeExternalMedia|includeAdvanced|includeConcerts|includeExtras|includePreferences|includeRelated|checkFiles|excludeAllLeaves|excludeFields|includeFields)$/;

/**
 * The filters of `/library/sections/N/all` that python-plexapi's `section.search()` and Kometa send:
 * `title` (substring, case-insensitive), `year`, `guid`, `type`, and `sort` (`field` or
 * `field:desc`, several comma-separated). Any other parameter is refused with 400, so a client
 * never mistakes an ignored filter for an answer.
 */
export function filterItems(movies: readonly SimMovie[], params: URLSearchParams): SimMovie[] {
  let items = [...movies];
  for (const [name, value] of params) {
    if (IGNORED.test(name) || name === 'sort') continue;
    items = items.filter(filterFor(name, value));
  }
  const sort = params.get('sort');
  if (sort !== null && sort !== '') items.sort(comparator(sort));
  return items;
}

function filterFor(name: string, value: string): (movie: SimMovie) => boolean {
  switch (name) {
    case 'title': {
      const needle = value.toLowerCase();
      return (movie) => movie.title.toLowerCase().includes(needle);
    }
    case 'year': {
      const years = value.split(',').map((year) => {
        if (!/^\d{1,4}$/.test(year))
          throw new HttpProblem(400, `year must be a year or a comma list of years, got ${value}`);
        return Number(year);
      });
      return (movie) => years.includes(movie.year);
    }
    case 'guid':
      return (movie) => movie.guid === value;
    case 'type': {
      const type = /^\d+$/.test(value) ? Number(value) : PLEX_TYPES[value];
      if (type === undefined || !Object.values(PLEX_TYPES).includes(type)) {
        throw new HttpProblem(400, `type must be a Plex type number or name, got ${value}`);
      }
      return () => type === MOVIE_TYPE;
    }
    default:
      throw new HttpProblem(400, `Unsupported filter ${name}`);
  }
}

function comparator(sort: string): (a: SimMovie, b: SimMovie) => number {
  const keys = sort.split(',').map((part) => {
    const [field, direction = 'asc'] = part.split(':');
    if (!(field! in SORT_FIELDS) || (direction !== 'asc' && direction !== 'desc')) {
      throw new HttpProblem(
        400,
        `sort: expected one of ${Object.keys(SORT_FIELDS).join(', ')}, optionally with :asc or :desc, got ${part}`,
      );
    }
    return { read: SORT_FIELDS[field as SortField], sign: direction === 'desc' ? -1 : 1 };
  });
  return (a, b) => {
    for (const { read, sign } of keys) {
      const left = read(a);
      const right = read(b);
      if (left < right) return -sign;
      if (left > right) return sign;
    }
    return Number(a.ratingKey) - Number(b.ratingKey);
  };
}
