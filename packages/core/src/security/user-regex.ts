import { createRequire } from 'node:module';
import { RE2JS } from 're2js';
import { RatchetError } from '../errors/ratchet-error.js';

/** What a regular expression from a user (a rule, a metric, a line format) can be asked. */
export interface UserRegex {
  readonly source: string;
  /** Which engine runs it: V8's (proven free of super-linear backtracking) or a linear-time RE2. */
  readonly engine: 'native' | 're2';
  test(text: string): boolean;
  exec(text: string): UserRegexMatch | null;
}

export interface UserRegexMatch {
  /** The whole match. */
  0: string;
  index: number;
  groups?: Record<string, string | undefined> | undefined;
}

export interface CompileUserRegexOptions {
  /**
   * Runs on every log line: worth asking the ReDoS checker whether V8's faster engine is safe for
   * it. Otherwise the pattern goes to the linear-time engine straight away.
   */
  hot?: boolean;
  /** Ours and tested (built-in rules): V8 runs it without a check. */
  trusted?: boolean;
}

type Verdict = 'safe' | 'vulnerable' | 'unknown';

// The checker ships a native binary per platform and falls back to its JavaScript build; it is
// loaded only when a pattern needs it (most rule patterns compile on RE2 and never ask).
const require = createRequire(import.meta.url);
const verdicts = new Map<string, Verdict>();

function redosVerdict(source: string): Verdict {
  const known = verdicts.get(source);
  if (known) return known;
  let verdict: Verdict = 'unknown';
  try {
    const { checkSync } = require('recheck') as typeof import('recheck');
    const result = checkSync(source, '', { timeout: 5_000 });
    verdict = result.status === 'safe' ? 'safe' : result.status === 'vulnerable' ? 'vulnerable' : 'unknown';
  } catch {
    verdict = 'unknown';
  }
  verdicts.set(source, verdict);
  return verdict;
}

class NativeUserRegex implements UserRegex {
  readonly engine = 'native';
  readonly #regex: RegExp;
  constructor(readonly source: string) {
    this.#regex = new RegExp(source);
  }
  test(text: string): boolean {
    return this.#regex.test(text);
  }
  exec(text: string): UserRegexMatch | null {
    const match = this.#regex.exec(text);
    if (!match) return null;
    return { 0: match[0], index: match.index, groups: match.groups ? { ...match.groups } : undefined };
  }
}

class Re2UserRegex implements UserRegex {
  readonly engine = 're2';
  readonly #regex: RE2JS;
  readonly #names: string[];
  constructor(
    readonly source: string,
    regex: RE2JS,
  ) {
    this.#regex = regex;
    this.#names = Object.keys(regex.namedGroups());
  }
  test(text: string): boolean {
    return this.#regex.matcher(text).find();
  }
  exec(text: string): UserRegexMatch | null {
    const matcher = this.#regex.matcher(text);
    if (!matcher.find()) return null;
    const groups: Record<string, string | undefined> = {};
    for (const name of this.#names) groups[name] = matcher.group(name) ?? undefined;
    return {
      0: matcher.group() ?? '',
      index: matcher.start(),
      groups: this.#names.length > 0 ? groups : undefined,
    };
  }
}

function invalid(where: string, source: string, reason: string, hint?: string): RatchetError {
  return new RatchetError('INPUT_INVALID', `${where}: ${JSON.stringify(source)} ${reason}`, {
    ...(hint ? { hint } : {}),
    details: { pattern: source },
  });
}

/**
 * Compiles a regular expression that came from a user so that no input can make it run longer than
 * linear time: it runs on RE2 (linear by construction) unless the ReDoS checker proves V8's engine
 * safe for it (hot patterns only). A pattern RE2 cannot run (lookaround, backreferences) is
 * accepted only when the checker proves it safe; otherwise it is refused with a coded error.
 */
export function compileUserRegex(
  source: string,
  where: string,
  options: CompileUserRegexOptions = {},
): UserRegex {
  try {
    new RegExp(source);
  } catch (error) {
    throw new RatchetError(
      'INPUT_INVALID',
      `${where}: invalid regular expression: ${(error as Error).message}`,
      {
        details: { pattern: source },
      },
    );
  }
  if (options.trusted) return new NativeUserRegex(source);
  let re2: RE2JS | undefined;
  try {
    re2 = RE2JS.compile(source);
  } catch {
    re2 = undefined;
  }
  if (re2 && !options.hot) return new Re2UserRegex(source, re2);
  const verdict = redosVerdict(source);
  if (verdict === 'safe') return new NativeUserRegex(source);
  if (re2) return new Re2UserRegex(source, re2);
  throw invalid(
    where,
    source,
    verdict === 'vulnerable'
      ? 'can take exponential or polynomial time on some inputs (ReDoS) and uses a feature the linear-time engine lacks (lookaround or a backreference)'
      : 'uses a feature the linear-time engine lacks (lookaround or a backreference) and cannot be proven free of catastrophic backtracking',
    'rewrite it without lookaround or backreferences, or without nested or overlapping repetition',
  );
}
