/**
 * A Drain-like streaming template miner (He et al., ICWS 2017): a fixed-depth prefix tree routes a
 * message by its token count and first tokens to a few candidate clusters; the most similar one
 * absorbs it (differing tokens become `<*>`), or a new cluster starts. Memory is bounded by
 * `maxClusters` and the capped token count, whatever the input size.
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

function isOpenBracket(code: number): boolean {
  return code === 40 || code === 91 || code === 123;
}

function isCloseBracket(code: number): boolean {
  return code === 41 || code === 93 || code === 125;
}

function isKeyChar(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 46 || code === 45
  );
}

/**
 * Splits on white space and masks variables: a token that holds a digit becomes `<*>`, keeping a
 * `key=` or `key:` prefix so that `uid=0` and `rhost=10.0.0.1` stay told apart by their keys. A run
 * of variables of one shape (what comes before the first digit: `blk_` of `blk_-42`) is one
 * variable: `blk_1 blk_2 ...` lists vary in length, not in kind. One pass, no regex: this is the
 * miner's hot path.
 */
export function tokenize(message: string, maxTokens = 120): string[] {
  const tokens: string[] = [];
  let previousShape: string | undefined;
  const length = message.length;
  let at = 0;
  while (at < length && tokens.length < maxTokens) {
    while (at < length && isSpace(message.charCodeAt(at))) at += 1;
    if (at >= length) break;
    const start = at;
    let firstDigit = -1;
    let firstShapeEnd = -1;
    let keyEnd = -1;
    let keyValid =
      isKeyChar(message.charCodeAt(start)) &&
      message.charCodeAt(start) !== 46 &&
      message.charCodeAt(start) !== 45;
    while (at < length) {
      const code = message.charCodeAt(at);
      if (isSpace(code)) break;
      if (code >= 48 && code <= 57) {
        if (firstDigit === -1) firstDigit = at;
        if (firstShapeEnd === -1) firstShapeEnd = at;
      } else if (code === 45 && firstShapeEnd === -1) firstShapeEnd = at;
      if (keyEnd === -1 && firstDigit === -1 && keyValid) {
        if ((code === 61 || code === 58) && at > start) keyEnd = at + 1;
        else if (!isKeyChar(code)) keyValid = false;
      }
      at += 1;
    }
    if (firstDigit === -1) {
      tokens.push(message.slice(start, at));
      previousShape = undefined;
      continue;
    }
    const shape = message.slice(start, firstShapeEnd === -1 ? at : firstShapeEnd);
    // Brackets around a variable are text: `(size 10)` keeps its `)`, `[42]` its brackets.
    let open = start;
    while (open < firstDigit && isOpenBracket(message.charCodeAt(open))) open += 1;
    let close = at;
    while (close > firstDigit && isCloseBracket(message.charCodeAt(close - 1))) close -= 1;
    const before = keyEnd !== -1 ? message.slice(start, keyEnd) : message.slice(start, open);
    const after = message.slice(close, at);
    if (before !== '' || after !== '') tokens.push(`${before}${WILDCARD}${after}`);
    else if (shape !== previousShape || tokens[tokens.length - 1] !== WILDCARD) tokens.push(WILDCARD);
    previousShape = shape;
  }
  return tokens;
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
