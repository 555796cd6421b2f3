/**
 * Built-in error kinds of Plex plug-in logs (docs/plex/ERRORS.md), as data: the same shape users
 * write in YAML or JSON rule files. The first rule that matches a record wins; user rules are tried
 * before these.
 */

export interface LogRule {
  /** A name for the rule, shown in reports. */
  name: string;
  category: string;
  /** A JavaScript regular expression tested on the record's message (the first line). */
  message?: string;
  /**
   * Plain texts, one of which the message must contain for `message` to be tried: a cheap test
   * that spares the regex on almost every record.
   */
  contains?: string[];
  /** A regular expression tested on the traceback's tail line (`Type: message`). */
  exception?: string;
  /** Only records at these levels (default: any level). */
  levels?: string[];
  /** The record is a search that found no acceptable match: it counts in titleMatchFailures. */
  titleMatchFailure?: boolean;
  /** With a named group `value` in `message`: match only when the number is above / below. */
  valueAbove?: number;
  valueBelow?: number;
}

export const PLEX_ERROR_RULES: readonly LogRule[] = [
  {
    name: 'resource hashes',
    category: 'resource-hashes',
    message: '^Exception getting hosted resource hashes',
  },
  {
    name: 'search function exception',
    category: 'search-exception',
    message: '^(Exception in the search function of agent named|Exception finding an agent for type)',
  },
  {
    name: 'update function exception',
    category: 'update-exception',
    message:
      '^(Exception in the update function of agent named|Exception updating \\S+ instance|Exception when constructing media object for dbid|No database ID provided)',
  },
  {
    name: 'agent service exception',
    category: 'agent-service',
    message: '^(Exception in update for |Exception notifying the media server)',
  },
  {
    name: 'thread exception',
    category: 'thread-exception',
    message: '^(Exception in thread named|Exception in task thread)',
  },
  {
    name: 'model read error',
    category: 'model-read',
    message: '^(Cannot read model from|Exception deserializing|Unable to deserialize object)',
  },
  {
    name: 'model write error',
    category: 'model-write',
    message:
      "^(Exception serializing|Can't write unidentified|Cannot serialize at|Attribute '.*' is not serializable)",
  },
  { name: 'attribute set error', category: 'attribute-set', message: '^Exception setting attribute' },
  {
    name: 'plug-in start failure',
    category: 'plugin-start',
    message: '^(Exception starting plug-in|Exception while loading code)',
  },
  {
    name: 'invalid language',
    category: 'invalid-language',
    message: "^The agent named '.*' contains the invalid language code",
  },
  {
    name: 'rate limited or banned',
    category: 'rate-limited',
    message: '(HTTP Error 429|<error code="500">banned</error>|Loading locally since banned)',
    contains: ['Error 429', 'banned'],
  },
  // Two rules rather than one alternation: the anchored one is found by its literal prefix, so
  // the needle is only the phrase of the other (a needle of 'match' would send every
  // "Searching for matches" line down the aggregator's slow path).
  {
    name: 'no search results',
    category: 'no-results',
    message: '^No (acceptable )?(matches|match|results) (found|for)',
    titleMatchFailure: true,
  },
  {
    name: 'search query pulled no results',
    category: 'no-results',
    message: 'Search Query did not pull any results',
    contains: ['did not pull any results'],
    titleMatchFailure: true,
  },
  {
    name: 'score deduction above 20 (Audnexus threshold 80)',
    category: 'title-mismatch',
    message: '^Score deduction from (album|author): (?<value>\\d+)',
    valueAbove: 20,
    titleMatchFailure: true,
  },
  {
    name: 'best score below the match threshold',
    category: 'title-mismatch',
    message: '\\bscore\\b.*\\bbelow\\b.*\\bthreshold\\b',
    contains: ['threshold'],
    titleMatchFailure: true,
  },
];
