import { join } from 'node:path';
import { AGENT_BUNDLE_ID, agentModelFolder, type SimMovie } from '../library/library.js';
import { formatRecord, type LogLevel } from '../plugin-log/record-format.js';
import type { RotatingLogFile } from '../plugin-log/rotating-log-file.js';
import type { AgentPrefs } from '../prefs/agent-prefs.js';
import { hexHash } from '../util/deterministic.js';
import type { AgentClock } from './clock.js';
import { modelState, writeModel } from './model-store.js';
import {
  apiHealth,
  chooseMatch,
  detailsNotFound,
  detailsTimesOut,
  type FailureKind,
  isRateLimited,
  requestLatencyMs,
  type SearchCandidate,
  searchCandidates,
} from './provider-model.js';

export const AGENT_NAME = 'SimDB';
const FRAMEWORK =
  '/usr/lib/plexmediaserver/Resources/Plug-ins-5d3e1b2a9/Framework.bundle/Contents/Resources/Versions/2/Python/Framework';

export interface RefreshOutcome {
  ratingKey: string;
  ok: boolean;
  failure?: FailureKind;
  matchedId?: string;
  thread: string;
}

export interface SimDbAgentOptions {
  dataDir: string;
  seed: number;
  prefs: AgentPrefs;
  log: RotatingLogFile;
  clock: AgentClock;
}

/** Python 2's repr of a str, as `str(kwargs)` prints it inside `Searching for matches for {...}`. */
export function pythonRepr(value: string): string {
  if (value.includes("'") && !value.includes('"')) return `"${value}"`;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

class HttpFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly tail: string,
  ) {
    super(tail);
  }
}

/**
 * The simulated legacy agent `com.plexapp.agents.simdb`. A refresh runs the framework's search and
 * update on one thread and logs what the Plug-in Framework and a typical agent log, in its format.
 */
export class SimDbAgent {
  readonly prefs: AgentPrefs;
  private readonly codeFile: string;

  constructor(private readonly options: SimDbAgentOptions) {
    this.prefs = options.prefs;
    this.codeFile = join(options.dataDir, 'Plug-ins', 'SimDB.bundle', 'Contents', 'Code', '__init__.py');
  }

  /** The framework's start-up lines, written after the log was rolled over. */
  logStart(): void {
    const thread = `7f${hexHash(10, 'main', this.options.clock.now().getTime())}`;
    this.record(
      thread,
      'INFO',
      'core',
      349,
      'Starting framework core - Version: 2.6.3, Build: ebb5fe9 (Wed Jun 16 16:32:30 UTC 2021)',
    );
    this.record(thread, 'DEBUG', 'core', 361, 'Using the elevated policy');
    for (const component of ['runtime', 'caching', 'data', 'networking']) {
      this.record(thread, 'DEBUG', 'core', 450, `Starting ${component} component.`);
    }
    this.record(thread, 'DEBUG', 'networking', 428, 'Setting the default network timeout to 20.0');
    this.record(thread, 'DEBUG', 'agentkit', 1132, 'Creating new agent class called SimDBAgent');
    this.record(
      thread,
      'INFO',
      'sandbox',
      19,
      `SimDB - preferences: normalize_titles=${this.prefs.normalizeTitles}, match_threshold=${this.prefs.matchThreshold}, max_retries=${this.prefs.maxRetries}, request_interval_ms=${this.prefs.requestIntervalMs}, api_base_url=${this.prefs.apiBaseUrl}`,
    );
    this.record(thread, 'INFO', 'core', 611, 'Started plug-in');
  }

  /** Search then update one item; `sequence` makes the thread id differ between refreshes. */
  async refresh(movie: SimMovie, sequence: number): Promise<RefreshOutcome> {
    const { seed } = this.options;
    const thread = `7f${hexHash(10, seed, movie.ratingKey, sequence)}`;
    const outcome = (ok: boolean, failure?: FailureKind, matchedId?: string): RefreshOutcome => ({
      ratingKey: movie.ratingKey,
      ok,
      thread,
      ...(failure ? { failure } : {}),
      ...(matchedId ? { matchedId } : {}),
    });
    const kwargs = `{'id': '${movie.ratingKey}', 'name': ${pythonRepr(movie.title)}, 'year': '${movie.year}', 'duration': '${movie.durationMs}', 'lang': 'en'}`;
    this.record(thread, 'INFO', 'agentkit', 961, `Searching for matches for ${kwargs}`);

    const query = encodeURIComponent(movie.title).replace(/'/g, '%27');
    const searchUrl = `${this.prefs.apiBaseUrl}/search?query=${query}&year=${movie.year}`;
    try {
      await this.request(thread, movie, 'search', searchUrl);
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      this.traceback(
        thread,
        'agentkit',
        1018,
        `Exception in the search function of agent named '${AGENT_NAME}', called with keyword arguments ${kwargs}`,
        'search',
        'results = JSON.ObjectFromURL(url)',
        error.tail,
      );
      return outcome(false, error.kind);
    }

    const candidates = searchCandidates(seed, movie, this.prefs);
    this.agentLog(
      thread,
      'DEBUG',
      `SimDB - ${candidates.length} results for ${pythonRepr(movie.title)} (${movie.year})`,
    );
    for (const candidate of candidates) {
      this.agentLog(
        thread,
        'DEBUG',
        `SimDB - candidate id: '${candidate.id}', title: ${pythonRepr(candidate.title)}, year: '${candidate.year}', score: ${candidate.score}`,
      );
    }
    const match = chooseMatch(candidates, this.prefs.matchThreshold);
    if (!match) {
      const best = Math.max(...candidates.map((candidate) => candidate.score));
      // Logged with Log.Error, as agents report a failed match: it is a failure of this refresh.
      this.agentLog(
        thread,
        'ERROR',
        `SimDB - No acceptable match for ${pythonRepr(movie.title)} (${movie.year}): best score ${best} is below the match threshold ${this.prefs.matchThreshold}`,
      );
      return outcome(false, 'title-mismatch');
    }
    this.agentLog(
      thread,
      'INFO',
      `SimDB - matched ${pythonRepr(movie.title)} (${movie.year}) to ${match.id} with score ${match.score}`,
    );
    return this.update(thread, movie, match, outcome);
  }

  private async update(
    thread: string,
    movie: SimMovie,
    match: SearchCandidate,
    outcome: (ok: boolean, failure?: FailureKind, matchedId?: string) => RefreshOutcome,
  ): Promise<RefreshOutcome> {
    const guid = `${AGENT_BUNDLE_ID}://${match.id}?lang=en`;
    const folder = agentModelFolder(this.options.dataDir, movie);
    this.record(thread, 'DEBUG', 'model', 32, `Loading model with GUID ${guid}`);
    if (match.id !== movie.simdbId) {
      this.record(
        thread,
        'DEBUG',
        'agentkit',
        1051,
        `Whacking existing data because the ID changed (${movie.simdbId} -> ${match.id})`,
      );
    }
    const state = modelState(folder);
    if (state === 'corrupt') {
      this.traceback(
        thread,
        'model',
        203,
        `Exception deserializing Movie with guid '${guid}' (${folder})`,
        undefined,
        undefined,
        'XMLSyntaxError: Char 0x0 out of allowed range, line 3, column 20',
        [
          [`${FRAMEWORK}/modelling/model.py`, 202, '_read', 'try: self._deserialize(path)'],
          [
            `${FRAMEWORK}/modelling/model.py`,
            241,
            '_deserialize',
            'el = XML.ElementFromString(Core.storage.load(info_path))',
          ],
        ],
      );
      this.record(thread, 'ERROR', 'model', 205, `Cannot read model from ${folder}`);
      return outcome(false, 'model-read', match.id);
    }
    if (state === 'valid')
      this.record(thread, 'DEBUG', 'model', 234, `Deserializing from ${join(folder, 'Info.xml')}`);
    this.record(
      thread,
      'DEBUG',
      'networking',
      143,
      `Requesting 'http://127.0.0.1:32400/library/metadata/${movie.ratingKey}/tree'`,
    );

    const detailsUrl = `${this.prefs.apiBaseUrl}/movie/${match.id}`;
    try {
      await this.request(thread, movie, 'details', detailsUrl, match);
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      this.traceback(
        thread,
        'agentkit',
        1095,
        `Exception in the update function of agent named '${AGENT_NAME}', called with guid '${guid}'`,
        'update',
        'details = JSON.ObjectFromURL(url)',
        error.tail,
      );
      const kind = error.kind === 'not-found' && !match.correct ? 'wrong-match' : error.kind;
      return outcome(false, kind, match.id);
    }
    this.record(thread, 'DEBUG', 'model', 229, `Serializing to ${join(folder, 'Info.xml')}`);
    writeModel(folder, movie, match.id);
    this.agentLog(
      thread,
      'INFO',
      `SimDB - updated ${pythonRepr(movie.title)} (${movie.year}) from ${match.id}`,
    );
    return outcome(true, undefined, match.id);
  }

  /** One provider request with the agent's retry policy; throws HttpFailure when it finally fails. */
  private async request(
    thread: string,
    movie: SimMovie,
    kind: 'search' | 'details',
    url: string,
    match?: SearchCandidate,
  ): Promise<void> {
    const { seed, clock } = this.options;
    const health = apiHealth(this.prefs);
    for (let attempt = 0; ; attempt += 1) {
      if (this.prefs.requestIntervalMs > 0) await clock.sleep(this.prefs.requestIntervalMs);
      this.record(thread, 'DEBUG', 'networking', 143, `Requesting '${url}'`);
      await clock.sleep(requestLatencyMs(seed, movie, kind, attempt));
      if (health === 'unreachable') {
        const tail = '<urlopen error [Errno -2] Name or service not known>';
        this.agentLog(thread, 'ERROR', `SimDB - Error fetching '${url}': ${tail}`);
        throw new HttpFailure('unreachable', `URLError: ${tail}`);
      }
      if (kind === 'details' && detailsTimesOut(seed, movie)) {
        await clock.sleep(20_000);
        this.agentLog(thread, 'ERROR', `SimDB - Error fetching '${url}': <urlopen error timed out>`);
        throw new HttpFailure('timeout', 'URLError: <urlopen error timed out>');
      }
      if (isRateLimited(seed, movie, kind, this.prefs, attempt)) {
        this.record(thread, 'ERROR', 'networking', 196, `Error opening URL '${url}'`);
        if (attempt < this.prefs.maxRetries) {
          const backoff = 1000 * 2 ** attempt;
          this.agentLog(
            thread,
            'WARNING',
            `SimDB - HTTP Error 429: Too Many Requests for '${url}', retrying in ${backoff} ms (attempt ${attempt + 1} of ${this.prefs.maxRetries})`,
          );
          await clock.sleep(backoff);
          continue;
        }
        throw new HttpFailure('rate-limited', 'HTTPError: HTTP Error 429: Too Many Requests');
      }
      if (kind === 'details' && match && detailsNotFound(seed, movie, match, health)) {
        this.record(thread, 'ERROR', 'networking', 196, `Error opening URL '${url}'`);
        throw new HttpFailure('not-found', 'HTTPError: HTTP Error 404: Not Found');
      }
      return;
    }
  }

  private traceback(
    thread: string,
    module: string,
    line: number,
    message: string,
    agentFunction: 'search' | 'update' | undefined,
    agentSource: string | undefined,
    tail: string,
    frames?: Array<[string, number, string, string]>,
  ): void {
    const stack: Array<[string, number, string, string]> = frames ?? [
      [
        `${FRAMEWORK}/api/agentkit.py`,
        agentFunction === 'search' ? 1011 : 1093,
        agentFunction === 'search' ? '_search' : '_update',
        agentFunction === 'search'
          ? 'agent.search(*args, **kwargs)'
          : 'agent.update(obj, media, lang, **kwargs)',
      ],
      [this.codeFile, agentFunction === 'search' ? 61 : 94, agentFunction ?? 'update', agentSource ?? ''],
      [
        `${FRAMEWORK}/api/parsekit.py`,
        341,
        'ObjectFromURL',
        'return self.ObjectFromString(self._core.networking.http_request(url, *args, **kwargs).content)',
      ],
      [`${FRAMEWORK}/components/networking.py`, 197, 'load', 'f = self._opener.open(req, timeout=timeout)'],
      [
        '/usr/lib/plexmediaserver/Resources/Python/lib/python2.7/urllib2.py',
        437,
        'open',
        'response = meth(req, response)',
      ],
    ];
    const continuation = stack.flatMap(([file, lineNo, fn, source]) => [
      `  File "${file}", line ${lineNo}, in ${fn}`,
      `    ${source}`,
    ]);
    continuation.push(tail);
    this.write({
      thread,
      level: 'CRITICAL',
      module,
      line,
      message: `${message} (most recent call last):`,
      continuation,
    });
  }

  private agentLog(thread: string, level: LogLevel, message: string): void {
    this.record(thread, level, 'sandbox', 19, message);
  }

  private record(thread: string, level: LogLevel, module: string, line: number, message: string): void {
    this.write({ thread, level, module, line, message });
  }

  private write(record: {
    thread: string;
    level: LogLevel;
    module: string;
    line: number;
    message: string;
    continuation?: string[];
  }): void {
    this.options.log.write(formatRecord({ ...record, time: this.options.clock.now() }));
  }
}
