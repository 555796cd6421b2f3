import type { SimMovie } from '../../../library/library.js';
import { HttpProblem } from '../../http/http-problem.js';
import { pagingValue } from '../../http/request.js';
import { sendContainer } from '../../http/respond.js';
import type { Route, SimContext } from '../route.js';
import { filterItems } from './item-filters.js';
import { metadataNode } from './metadata-node.js';
import { identityNode, serverInfoNode, serverPrefsNode } from './server-info.js';

/** The part of the Plex Media Server API the simulator serves (docs/plex-sim.md, "HTTP API"). */
export function plexApiRoutes(context: SimContext): Route[] {
  const { library, byKey, runtime } = context;
  const section = library.section;
  function requireSection(key: string): void {
    if (key !== section.key) throw new HttpProblem(404, `No library section ${key}`);
  }
  /** The items of a comma list of rating keys; unknown keys are skipped, 404 when none is known. */
  function moviesFor(keys: string): SimMovie[] {
    const movies = keys
      .split(',')
      .filter((key) => key !== '')
      .map((key) => byKey.get(key))
      .filter((movie): movie is SimMovie => movie !== undefined);
    if (movies.length === 0) throw new HttpProblem(404, 'No such item');
    return movies;
  }

  return [
    {
      name: 'identity',
      method: 'GET',
      pattern: /^\/identity$/,
      auth: false,
      faultable: false,
      handle: (request, response) => {
        if (!runtime.healthy) throw new HttpProblem(503, 'The agent is restarting');
        sendContainer(request, response, 200, identityNode(library));
      },
    },
    {
      name: 'server',
      method: 'GET',
      pattern: /^\/$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        sendContainer(request, response, 200, serverInfoNode(library));
      },
    },
    {
      name: 'library',
      method: 'GET',
      pattern: /^\/library$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        sendContainer(request, response, 200, {
          size: 2,
          allowSync: false,
          title1: 'Plex Library',
          Directory: [
            { key: 'sections', title: 'Library Sections' },
            { key: 'recentlyAdded', title: 'Recently Added Content' },
          ],
        });
      },
    },
    {
      name: 'sections',
      method: 'GET',
      pattern: /^\/library\/sections(?:\/all)?$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        sendContainer(request, response, 200, {
          size: 1,
          allowSync: false,
          title1: 'Plex Library',
          Directory: [
            {
              allowSync: true,
              art: '/:/resources/movie-fanart.jpg',
              filters: true,
              refreshing: runtime.activities.length > 0,
              thumb: '/:/resources/movie.png',
              key: section.key,
              type: 'movie',
              title: section.title,
              agent: 'com.plexapp.agents.simdb',
              scanner: 'Plex Movie Scanner',
              language: 'en',
              uuid: section.uuid,
              updatedAt: section.createdAt,
              createdAt: section.createdAt,
              scannedAt: section.createdAt,
              content: true,
              directory: true,
              hidden: false,
              Location: [{ id: 1, path: '/data/Movies' }],
            },
          ],
        });
      },
    },
    {
      name: 'items',
      method: 'GET',
      pattern: /^\/library\/sections\/([^/]+)\/all$/,
      auth: true,
      faultable: true,
      handle: (request, response, match, url) => {
        requireSection(match[1]!);
        const start = pagingValue(request, url, 'X-Plex-Container-Start') ?? 0;
        const requested = pagingValue(request, url, 'X-Plex-Container-Size');
        const matching = filterItems(library.movies, url.searchParams);
        const total = matching.length;
        const page = matching.slice(start, requested === undefined ? undefined : start + requested);
        response.setHeader('X-Plex-Container-Start', String(start));
        response.setHeader('X-Plex-Container-Total-Size', String(total));
        sendContainer(request, response, 200, {
          size: page.length,
          totalSize: total,
          offset: start,
          allowSync: true,
          identifier: 'com.plexapp.plugins.library',
          librarySectionID: Number(section.key),
          librarySectionTitle: section.title,
          librarySectionUUID: section.uuid,
          title1: section.title,
          viewGroup: 'movie',
          Metadata: page.map((movie) => metadataNode(library, movie, false)),
        });
      },
    },
    {
      name: 'timeline',
      method: 'GET',
      pattern: /^\/library\/sections\/([^/]+)\/timeline$/,
      auth: true,
      faultable: true,
      handle: (request, response, match) => {
        requireSection(match[1]!);
        const pending = runtime.activities.length;
        sendContainer(request, response, 200, {
          size: 0,
          allowSync: true,
          identifier: 'com.plexapp.plugins.library',
          librarySectionID: Number(section.key),
          updateQueueSize: pending,
          updatedAt: Math.max(...library.movies.map((movie) => movie.updatedAt)),
        });
      },
    },
    {
      name: 'metadata',
      method: 'GET',
      pattern: /^\/library\/metadata\/([\d,]+)$/,
      auth: true,
      faultable: true,
      handle: (request, response, match) => {
        const movies = moviesFor(match[1]!);
        sendContainer(request, response, 200, {
          size: movies.length,
          allowSync: true,
          identifier: 'com.plexapp.plugins.library',
          librarySectionID: Number(section.key),
          librarySectionTitle: section.title,
          librarySectionUUID: section.uuid,
          Metadata: movies.map((movie) => metadataNode(library, movie, true)),
        });
      },
    },
    {
      name: 'refresh',
      method: 'PUT',
      pattern: /^\/library\/metadata\/([\d,]+)\/refresh$/,
      auth: true,
      faultable: true,
      handle: (request, response, match) => {
        const movies = moviesFor(match[1]!);
        if (!runtime.healthy) throw new HttpProblem(503, 'The agent is restarting');
        const activities = movies.map((movie) => runtime.enqueue(movie));
        response.setHeader('X-Plex-Activity', activities[0]!.uuid);
        sendContainer(request, response, 200, { size: 0, identifier: 'com.plexapp.plugins.library' });
      },
    },
    {
      name: 'children',
      method: 'GET',
      pattern: /^\/library\/metadata\/(\d+)\/children$/,
      auth: true,
      faultable: true,
      handle: (request, response, match) => {
        moviesFor(match[1]!);
        // A movie has no children: a real server answers an empty container, as for a leaf.
        sendContainer(request, response, 200, {
          size: 0,
          allowSync: true,
          identifier: 'com.plexapp.plugins.library',
          librarySectionID: Number(section.key),
          librarySectionTitle: section.title,
          librarySectionUUID: section.uuid,
          parentRatingKey: match[1]!,
        });
      },
    },
    {
      name: 'prefs',
      method: 'GET',
      pattern: /^\/:\/prefs$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        sendContainer(request, response, 200, serverPrefsNode(library));
      },
    },
    {
      name: 'uncounted',
      method: 'GET',
      pattern: /^\/library\/metadata\/([\d,]+)\/refresh$/,
      auth: true,
      faultable: false,
      handle: () => {
        throw new HttpProblem(405, 'method_not_allowed');
      },
    },
    {
      name: 'activities',
      method: 'GET',
      pattern: /^\/activities$/,
      auth: true,
      faultable: true,
      handle: (request, response) => {
        const activities = runtime.activities;
        sendContainer(request, response, 200, {
          size: activities.length,
          Activity: activities.map((activity) => ({
            uuid: activity.uuid,
            type: 'library.refresh.items',
            cancellable: false,
            userID: 1,
            title: 'Refreshing',
            subtitle: activity.state === 'queued' ? 'Queued' : 'Downloading metadata',
            progress: activity.state === 'queued' ? 0 : 50,
            Context: {
              accessible: true,
              exists: true,
              key: `/library/metadata/${activity.ratingKey}`,
              refreshed: true,
              librarySectionID: section.key,
            },
          })),
        });
      },
    },
  ];
}
