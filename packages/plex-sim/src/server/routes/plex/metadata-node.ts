import type { SimLibrary, SimMovie } from '../../../library/library.js';
import type { ContainerNode } from '../../media-container.js';

/** A movie as `/library/sections/N/all` (`full: false`) and `/library/metadata/K` show it. */
export function metadataNode(library: SimLibrary, movie: SimMovie, full: boolean): ContainerNode {
  const section = library.section;
  return {
    ratingKey: movie.ratingKey,
    key: `/library/metadata/${movie.ratingKey}`,
    guid: movie.guid,
    studio: movie.studio,
    type: 'movie',
    title: movie.title,
    titleSort: movie.titleSort,
    originalTitle: movie.originalTitle,
    contentRating: movie.contentRating,
    summary: movie.summary,
    year: movie.year,
    thumb: `/library/metadata/${movie.ratingKey}/thumb/${movie.updatedAt}`,
    duration: movie.durationMs,
    addedAt: movie.addedAt,
    updatedAt: movie.updatedAt,
    librarySectionID: full ? Number(section.key) : undefined,
    librarySectionTitle: full ? section.title : undefined,
    Media: [
      {
        id: Number(movie.ratingKey) * 10,
        duration: movie.durationMs,
        container: 'mkv',
        videoCodec: 'h264',
        Part: [
          {
            id: Number(movie.ratingKey) * 10 + 1,
            duration: movie.durationMs,
            file: movie.file,
            container: 'mkv',
          },
        ],
      },
    ],
  };
}
