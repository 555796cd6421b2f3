/**
 * A Drain-like streaming template miner (He et al., ICWS 2017): a fixed-depth prefix tree routes a
 * message by its token count and first tokens to a few candidate clusters; the most similar one
 * absorbs it (differing tokens become `<*>`), or a new cluster starts. Memory is bounded by
 * `maxClusters` and the capped token count, whatever the input size.
 *
 * What makes it work on logs it was never tuned for is the masking (`tokenize`): its rules follow
 * from how logging statements are written (a value filled into `%d`, `%s`, `'%s'`, `%s:%d`,
 * `%d bytes`), not from any one system, and it has no per-system settings.
 */

export const WILDCARD = '<*>';

export interface TemplateMinerOptions {
  /** Minimum share of equal tokens for a message to join a cluster. */
  similarity?: number;
  /** Tokens (after the length level) that route a message down the tree. */
  depth?: number;
  /** Children per tree node before new tokens share the wildcard child. */
  maxChildren?: number;
  /** Past this many clusters new kinds of messages join an overflow cluster. */
  maxClusters?: number;
  /** Tokens kept per message. */
  maxTokens?: number;
}

export interface TemplateCluster {
  /** 1-based, in order of creation. */
  readonly id: number;
  tokens: string[];
  size: number;
}

interface TreeNode {
  children: Map<string, TreeNode>;
  clusters: TemplateCluster[];
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 11 || code === 12;
}

function isKeyChar(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 46 || code === 45
  );
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Brackets and quotes that open a field, and what may close or follow a field. */
function isOpening(code: number): boolean {
  return code === 40 || code === 91 || code === 123 || code === 60 || code === 39 || code === 34;
}

function isClosing(code: number): boolean {
  return (
    code === 41 ||
    code === 93 ||
    code === 125 ||
    code === 62 ||
    code === 39 ||
    code === 34 ||
    code === 44 ||
    code === 59 ||
    code === 46 ||
    code === 58 ||
    code === 33 ||
    code === 63
  );
}

/**
 * Units that a logging statement prints after a number (`%d bytes`, `%.1f KB`, `%d ms`): with the
 * number they are one value, so that `403 bytes` and `1190 bytes (1.16 KB)` are runs of one kind.
 */
const UNITS = new Set([
  'b',
  'kb',
  'mb',
  'gb',
  'tb',
  'pb',
  'kib',
  'mib',
  'gib',
  'tib',
  'byte',
  'bytes',
  'bit',
  'bits',
  'ns',
  'us',
  'µs',
  'ms',
  's',
  'sec',
  'secs',
  'second',
  'seconds',
  'min',
  'mins',
  'minute',
  'minutes',
  'h',
  'hr',
  'hrs',
  'hour',
  'hours',
  'day',
  'days',
  'kbps',
  'mbps',
  'gbps',
  'hz',
  'khz',
  'mhz',
  'ghz',
]);

/**
 * Last labels of host names (`proxy.cse.cuhk.edu.hk`, `www.example.com`): a dotted name that ends in
 * one is a host. Package and logger names (`org.apache.hadoop.Foo`) start with one instead. Left
 * out: endings that are also file extensions or words (`.in`, `.it`, `.int`: `Makefile.in`).
 */
const TOP_LEVEL_DOMAINS = new Set([
  'com',
  'org',
  'net',
  'edu',
  'gov',
  'mil',
  'io',
  'info',
  'biz',
  'local',
  'lan',
  'internal',
  'localdomain',
  'arpa',
  'uk',
  'us',
  'de',
  'fr',
  'jp',
  'cn',
  'hk',
  'tw',
  'kr',
  'ru',
  'au',
  'ca',
  'br',
  'nl',
  'es',
  'se',
  'ch',
  'eu',
]);

/** `[start, end)` of `text[start, end)` without the brackets, quotes and punctuation around it. */
function coreOf(text: string, start: number, end: number): [number, number] {
  while (start < end && isOpening(text.charCodeAt(start))) start += 1;
  while (end > start && isClosing(text.charCodeAt(end - 1))) end -= 1;
  return [start, end];
}

function isUnit(text: string, start: number, end: number): boolean {
  const [coreStart, coreEnd] = coreOf(text, start, end);
  if (coreEnd - coreStart > 7 || coreEnd === coreStart) return false;
  return UNITS.has(text.slice(coreStart, coreEnd).toLowerCase());
}

/** A file path (`/var/log/x`, `~/x`, `C:\x`, `\\host\share`) or a URL (`scheme://...`). */
function isPathOrUrl(text: string, start: number, end: number): boolean {
  if (end - start < 2) return false;
  const first = text.charCodeAt(start);
  if (first === 47 || first === 92) return true;
  if (first === 126 && text.charCodeAt(start + 1) === 47) return true;
  if (isLetter(first) && text.charCodeAt(start + 1) === 58 && text.charCodeAt(start + 2) === 92) return true;
  const scheme = text.indexOf('://', start);
  return scheme > start && scheme < end;
}

/** A host name: dotted labels of letters, digits and hyphens, the last one a top-level domain. */
function isHostName(text: string, start: number, end: number): boolean {
  const lastDot = text.lastIndexOf('.', end - 1);
  if (lastDot <= start || lastDot >= end - 1) return false;
  for (let i = start; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if (!isLetter(code) && !isDigit(code) && code !== 45 && code !== 46) return false;
  }
  return TOP_LEVEL_DOMAINS.has(text.slice(lastDot + 1, end).toLowerCase());
}

/** `()`, `[]`, `''`, `""`, `{}`: a field printed with an empty value. */
function isEmptyField(text: string, start: number, end: number): boolean {
  if (end - start !== 2 || !isOpening(text.charCodeAt(start))) return false;
  const close = text.charCodeAt(start + 1);
  return close === 41 || close === 93 || close === 125 || close === 39 || close === 34;
}

/** `'value'` or `"value"` (then maybe `,` `.` `;` `:`): a value printed in quotes, as `'%s'`. */
function isQuotedValue(text: string, start: number, end: number): boolean {
  const quote = text.charCodeAt(start);
  if (quote !== 39 && quote !== 34) return false;
  let close = end - 1;
  while (close > start + 1) {
    const code = text.charCodeAt(close);
    if (code !== 44 && code !== 46 && code !== 59 && code !== 58) break;
    close -= 1;
  }
  return close > start + 1 && text.charCodeAt(close) === quote;
}

/** Day and month names: in a date inside a message (`at Fri Jun 17 07:07:00 2005`) they vary. */
const DATE_WORDS = new Set([
  'Mon',
  'Tue',
  'Wed',
  'Thu',
  'Fri',
  'Sat',
  'Sun',
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
]);

/**
 * A day or month name that starts a date: followed by a number or by another such name
 * (`Fri Jun 17`, `Jun 17,`). Alone (`May I`) it is a word.
 */
function isDateWord(text: string, start: number, end: number): boolean {
  let wordEnd = end;
  if (text.charCodeAt(wordEnd - 1) === 44) wordEnd -= 1;
  if (wordEnd - start !== 3 || !DATE_WORDS.has(text.slice(start, wordEnd))) return false;
  let next = end;
  while (next < text.length && isSpace(text.charCodeAt(next))) next += 1;
  if (isDigit(text.charCodeAt(next))) return true;
  if (!DATE_WORDS.has(text.slice(next, next + 3))) return false;
  const after = text.charCodeAt(next + 3);
  return Number.isNaN(after) || isSpace(after) || after === 44;
}

const NOT_KEYED = -1;

/**
 * Where the value of a `key=value` or `key:value` token `text[start, end)` starts, or -1: the key
 * starts the token and holds letters, then also digits, `_`, `.` and `-`. A dotted key before `:`
 * is a host or a file (`proxy.cse.cuhk.edu.hk:5070`, `Foo.java:42`); `scheme://` starts a URL and
 * `C:\` a path.
 */
function valueStartOf(text: string, start: number, end: number): number {
  const first = text.charCodeAt(start);
  if (!isLetter(first) && first !== 95) return NOT_KEYED;
  let dotted = false;
  for (let i = start + 1; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 61) return i + 1;
    if (code === 58)
      return dotted || text.startsWith('//', i + 1) || text.charCodeAt(i + 1) === 92 ? NOT_KEYED : i + 1;
    if (code === 46) dotted = true;
    else if (!isKeyChar(code) && !isDigit(code)) return NOT_KEYED;
  }
  return NOT_KEYED;
}

/**
 * Whether `text[start, end)` is a value a logging statement filled in rather than a word of its
 * text: it holds a digit (numbers, hex, ids, IPs, versions, times, host:port), it is empty (`()`),
 * or it is a path, a URL or a host name (`/var/log/x`, `proxy.example.com`).
 */
function isVariable(text: string, start: number, end: number): boolean {
  let punctuation = false;
  for (let i = start; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) return true;
    if (code === 47 || code === 46 || code === 92 || code === 40 || code === 91 || code === 123)
      punctuation = true;
  }
  if (!punctuation && !isOpening(text.charCodeAt(start))) return false;
  if (isEmptyField(text, start, end) || isQuotedValue(text, start, end)) return true;
  const [coreStart, coreEnd] = coreOf(text, start, end);
  return isPathOrUrl(text, coreStart, coreEnd) || isHostName(text, coreStart, coreEnd);
}

function isOpenBracket(code: number): boolean {
  return code === 40 || code === 91 || code === 123;
}

function isCloseBracket(code: number): boolean {
  return code === 41 || code === 93 || code === 125;
}

/** Where the closing brackets at the end of `text[start, end)` start (`10)`, `KB)]`). */
function closingBracketsStart(text: string, start: number, end: number): number {
  let close = end;
  while (close > start && isCloseBracket(text.charCodeAt(close - 1))) close -= 1;
  return close;
}

/**
 * Splits on white space and masks variables as `<*>` (see `isVariable`). A `key=value` token is
 * always `key=<*>`, and `key:value` too when the value is a variable: the key is kept, so that pairs
 * stay told apart by their keys. Brackets around a variable stay text (`(size <*>)`, `[<*>]`), so a
 * template reads balanced. A unit after a number joins it (`403 bytes`, `1.2 KB`), and a run of
 * variables is one variable, a bracketed value right after a value included: lists (`blk_1 blk_2`),
 * `1190 bytes (1.16 KB)` against `403 bytes`, `10.0.0.1 (host.example.com)` against `10.0.0.1 ()`
 * vary in length, not in kind. No regex, and a token is copied only when it is kept: this is the
 * miner's hot path.
 */
export function tokenize(message: string, maxTokens = 120): string[] {
  const tokens: string[] = [];
  // The last token pushed is a bare `<*>`, which a following variable joins.
  let lastBare = false;
  const length = message.length;
  let at = 0;
  while (at < length && tokens.length < maxTokens) {
    while (at < length && isSpace(message.charCodeAt(at))) at += 1;
    if (at >= length) break;
    const start = at;
    while (at < length && !isSpace(message.charCodeAt(at))) at += 1;
    if (lastBare && at - start <= 9 && isUnit(message, start, at)) {
      const close = closingBracketsStart(message, start, at);
      if (close < at) {
        tokens[tokens.length - 1] = `${WILDCARD}${message.slice(close, at)}`;
        lastBare = false;
      }
      continue;
    }
    const valueStart = valueStartOf(message, start, at);
    if (valueStart !== NOT_KEYED && valueStart < at) {
      // `key=%s`: what follows `=` is a value; after `:` only if it looks like one (`type:create`).
      if (message.charCodeAt(valueStart - 1) === 61 || isVariable(message, valueStart, at)) {
        const close = closingBracketsStart(message, valueStart, at);
        tokens.push(`${message.slice(start, valueStart)}${WILDCARD}${message.slice(close, at)}`);
        lastBare = false;
        continue;
      }
    } else if (isVariable(message, start, at) || isDateWord(message, start, at)) {
      let open = start;
      while (open < at && isOpenBracket(message.charCodeAt(open))) open += 1;
      const close = closingBracketsStart(message, open, at);
      if (lastBare && open > start) {
        // A bracketed value right after a value annotates it: `(1.16 KB)`, `(host.example.com)`, `()`.
        if (close < at) continue;
        const next = nextTokenEnd(message, at);
        if (next !== undefined && next.end - next.start <= 9 && isUnit(message, next.start, next.end)) {
          if (closingBracketsStart(message, next.start, next.end) < next.end) {
            at = next.end;
            continue;
          }
        }
      }
      if (open === start && close === at) {
        if (!lastBare) tokens.push(WILDCARD);
        lastBare = true;
      } else {
        tokens.push(`${message.slice(start, open)}${WILDCARD}${message.slice(close, at)}`);
        lastBare = false;
      }
      continue;
    }
    tokens.push(message.slice(start, at));
    lastBare = false;
  }
  return tokens;
}

/** The token after position `from`, if any. */
function nextTokenEnd(message: string, from: number): { start: number; end: number } | undefined {
  let start = from;
  while (start < message.length && isSpace(message.charCodeAt(start))) start += 1;
  if (start >= message.length) return undefined;
  let end = start;
  while (end < message.length && !isSpace(message.charCodeAt(end))) end += 1;
  return { start, end };
}

export class TemplateMiner {
  private readonly similarity: number;
  private readonly depth: number;
  private readonly maxChildren: number;
  private readonly maxClusters: number;
  private readonly maxTokens: number;
  private readonly root: TreeNode = { children: new Map(), clusters: [] };
  private readonly all: TemplateCluster[] = [];
  private overflow: TemplateCluster | undefined;

  constructor(options: TemplateMinerOptions = {}) {
    this.similarity = options.similarity ?? 0.7;
    this.depth = options.depth ?? 2;
    this.maxChildren = options.maxChildren ?? 100;
    this.maxClusters = options.maxClusters ?? 10_000;
    this.maxTokens = options.maxTokens ?? 120;
  }

  get clusterCount(): number {
    return this.all.length;
  }

  clusters(): readonly TemplateCluster[] {
    return this.all;
  }

  /** Adds one message and returns the cluster it joined. */
  add(message: string): TemplateCluster {
    const tokens = tokenize(message, this.maxTokens);
    const leaf = this.leafFor(tokens);
    let best: TemplateCluster | undefined;
    let bestScore = -1;
    let bestWildcards = -1;
    for (const cluster of leaf.clusters) {
      const [score, wildcards] = this.score(cluster.tokens, tokens);
      if (score > bestScore || (score === bestScore && wildcards > bestWildcards)) {
        best = cluster;
        bestScore = score;
        bestWildcards = wildcards;
      }
    }
    if (best !== undefined && bestScore >= this.similarity) {
      const merged = best.tokens;
      for (let i = 0; i < merged.length; i += 1) if (merged[i] !== tokens[i]) merged[i] = WILDCARD;
      best.size += 1;
      return best;
    }
    if (this.all.length >= this.maxClusters) {
      this.overflow ??= { id: 0, tokens: [WILDCARD], size: 0 };
      this.overflow.size += 1;
      return this.overflow;
    }
    // Copies, so that a kept token does not keep the chunk of the log it was sliced from.
    const kept = tokens.map((token) => (token.length < 13 ? token : ` ${token}`.slice(1)));
    const cluster: TemplateCluster = { id: this.all.length + 1, tokens: kept, size: 1 };
    this.all.push(cluster);
    leaf.clusters.push(cluster);
    return cluster;
  }

  /** The template text of a cluster: its tokens joined by spaces. */
  static template(cluster: TemplateCluster): string {
    return cluster.tokens.join(' ');
  }

  private score(template: string[], tokens: string[]): [number, number] {
    if (template.length === 0) return [1, 0];
    let same = 0;
    let wildcards = 0;
    for (let i = 0; i < template.length; i += 1) {
      const token = template[i];
      if (token === WILDCARD) {
        wildcards += 1;
        continue;
      }
      if (token === tokens[i]) same += 1;
    }
    const constants = template.length - wildcards;
    return [constants === 0 ? 1 : same / constants, wildcards];
  }

  private leafFor(tokens: string[]): TreeNode {
    let node = this.child(this.root, String(tokens.length));
    const steps = Math.min(this.depth, tokens.length);
    for (let i = 0; i < steps; i += 1) {
      const token = tokens[i] ?? WILDCARD;
      node = this.child(node, token);
    }
    return node;
  }

  private child(node: TreeNode, key: string): TreeNode {
    let next = node.children.get(key);
    if (next) return next;
    if (key !== WILDCARD && node.children.size >= this.maxChildren) {
      next = node.children.get(WILDCARD);
      if (next) return next;
      key = WILDCARD;
    }
    next = { children: new Map(), clusters: [] };
    node.children.set(key, next);
    return next;
  }
}
