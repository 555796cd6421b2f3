import type { SimMovie } from '../library/library.js';
import { type AgentPrefs, CURRENT_API_BASE_URL, MOVED_API_BASE_URL } from '../prefs/agent-prefs.js';
import { hexHash, intHash, unitHash } from '../util/deterministic.js';

/**
 * How the fictional SimDB provider and the agent's matcher behave. Every draw is a hash of
 * (seed, item, what is decided), so an item's outcome depends only on the seed, the item and the
 * preferences, never on timing or on the order of refreshes. The shares below are chosen so that
 * each real fix is a large, visible improvement on ~20 refreshed items and the tempting one
 * (a lower match threshold) is clearly worse: see docs/plex-sim.md for the measured figures.
 */
export const MODEL = {
  /** Share of items whose provider search lists a similar but wrong movie first. */
  decoyFirstShare: { plain: 0.4, tricky: 0.7 },
  /** Share of tricky titles that title normalisation brings above the threshold. */
  normalizeFixShare: { alternativeTitle: 0.4, other: 0.9 },
  /** Share of items whose details the moved `v2` API answers with 404. */
  movedApiNotFoundShare: 0.35,
  /** Chance that one request is rate limited with no interval between requests. */
  rateLimitChance: 0.12,
  /** With retries the agent backs off, so it hits the limit less often in the first place. */
  rateLimitFactorWithRetries: 0.25,
  /** Share of items whose details request times out (not fixable by any preference). */
  timeoutShare: 0.02,
} as const;

export type FailureKind =
  | 'title-mismatch'
  | 'wrong-match'
  | 'not-found'
  | 'rate-limited'
  | 'timeout'
  | 'unreachable'
  | 'model-read';

export interface SearchCandidate {
  id: string;
  title: string;
  year: number;
  score: number;
  correct: boolean;
}

export type ApiHealth = 'moved' | 'current' | 'unreachable';

export function apiHealth(prefs: AgentPrefs): ApiHealth {
  if (prefs.apiBaseUrl === MOVED_API_BASE_URL) return 'moved';
  if (prefs.apiBaseUrl === CURRENT_API_BASE_URL) return 'current';
  return 'unreachable';
}

/** The scores the matcher gives to the provider's results, in the provider's order. */
export function searchCandidates(seed: number, movie: SimMovie, prefs: AgentPrefs): SearchCandidate[] {
  const key = movie.ratingKey;
  const tricky = movie.kind !== 'plain';
  let correctScore: number;
  if (!tricky) {
    correctScore = intHash(88, 99, seed, key, 'score-plain');
  } else if (!prefs.normalizeTitles) {
    correctScore = intHash(40, 79, seed, key, 'score-raw');
  } else {
    const fixShare =
      movie.kind === 'alternative-title'
        ? MODEL.normalizeFixShare.alternativeTitle
        : MODEL.normalizeFixShare.other;
    correctScore =
      unitHash(seed, key, 'normalize-fixes') < fixShare
        ? intHash(86, 99, seed, key, 'score-normalized')
        : intHash(45, 79, seed, key, 'score-normalized-still-low');
  }
  const correct: SearchCandidate = {
    id: movie.simdbId,
    title: movie.originalTitle ?? movie.title,
    year: movie.year,
    score: correctScore,
    correct: true,
  };
  const decoyShare = tricky ? MODEL.decoyFirstShare.tricky : MODEL.decoyFirstShare.plain;
  const decoy: SearchCandidate = {
    id: `sd${intHash(100_000, 999_999, seed, key, 'decoy-id')}x`,
    title: decoyTitle(movie),
    year: decoyYear(seed, movie),
    score: intHash(60, 84, seed, key, 'decoy-score'),
    correct: false,
  };
  return unitHash(seed, key, 'decoy-first') < decoyShare ? [decoy, correct] : [correct, decoy];
}

function decoyYear(seed: number, movie: SimMovie): number {
  const gap = intHash(1, 30, seed, movie.ratingKey, 'decoy-gap');
  const later = intHash(0, 1, seed, movie.ratingKey, 'decoy-direction') === 1 && movie.year + gap <= 2025;
  return later ? movie.year + gap : movie.year - gap;
}

/** A remake, the original of a sequel, or a near namesake: what a popularity-ranked search shows first. */
function decoyTitle(movie: SimMovie): string {
  if (movie.kind === 'sequel')
    return movie.title.replace(/\s+(\d+|II|III|Part II|Chapter 3|4: Resurrection)$/, '');
  if (movie.kind === 'leading-article') return movie.title.replace(/^\S+\s+/, '');
  return `${movie.title} ${hexHash(1, movie.guid) > '7' ? 'Returns' : 'Reloaded'}`;
}

/** The agent accepts the first result, in provider order, that scores at or above the threshold. */
export function chooseMatch(
  candidates: readonly SearchCandidate[],
  threshold: number,
): SearchCandidate | undefined {
  return candidates.find((candidate) => candidate.score >= threshold);
}

/** Chance that one provider request hits the rate limit, for attempt 0 (first try), 1, 2, ... */
export function rateLimitChance(prefs: AgentPrefs, attempt: number): number {
  const interval = Math.min(prefs.requestIntervalMs, 1000);
  let chance = MODEL.rateLimitChance * (1 - 0.93 * (interval / 1000));
  if (prefs.maxRetries > 0) chance *= MODEL.rateLimitFactorWithRetries;
  return chance * 0.5 ** attempt;
}

export function isRateLimited(
  seed: number,
  movie: SimMovie,
  request: string,
  prefs: AgentPrefs,
  attempt: number,
): boolean {
  return unitHash(seed, movie.ratingKey, 'rate-limit', request, attempt) < rateLimitChance(prefs, attempt);
}

export function detailsNotFound(
  seed: number,
  movie: SimMovie,
  match: SearchCandidate,
  health: ApiHealth,
): boolean {
  if (!match.correct) return true;
  return health === 'moved' && unitHash(seed, movie.ratingKey, 'moved-404') < MODEL.movedApiNotFoundShare;
}

export function detailsTimesOut(seed: number, movie: SimMovie): boolean {
  return unitHash(seed, movie.ratingKey, 'timeout') < MODEL.timeoutShare;
}

/** Simulated network latency of one request, in milliseconds of simulated time. */
export function requestLatencyMs(seed: number, movie: SimMovie, request: string, attempt: number): number {
  return intHash(40, 160, seed, movie.ratingKey, 'latency', request, attempt);
}
