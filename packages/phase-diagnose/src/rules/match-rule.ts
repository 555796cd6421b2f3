import { compileUserRegex, type ErrorType, type UserRegex } from '@ratchet/core';
import type { LoadedRule } from './load-rules.js';

/** One rule explaining one error type, with the values it captured. */
export interface RuleHit {
  rule: LoadedRule;
  errorType: ErrorType;
  captures: Record<string, string>;
  /** The error type's paths that satisfy `match.path` (all of them when the rule has no path condition). */
  paths: string[];
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

const compiled = new Map<string, UserRegex>();

function regexOf(source: string): UserRegex {
  let regex = compiled.get(source);
  if (!regex) {
    regex = compileUserRegex(source, 'rule');
    compiled.set(source, regex);
  }
  return regex;
}

/** Tests a regex on each candidate text in turn; returns the named groups of the first match. */
function firstMatch(
  source: string,
  candidates: Array<string | undefined>,
): Record<string, string> | undefined {
  const regex = regexOf(source);
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const match = regex.exec(candidate);
    if (match)
      return Object.fromEntries(
        Object.entries(match.groups ?? {}).filter(([, v]) => v !== undefined),
      ) as Record<string, string>;
  }
  return undefined;
}

/** Returns one hit per matching agent (or one hit when the error type names no agent), or none. */
export function matchRule(rule: LoadedRule, errorType: ErrorType): RuleHit[] {
  const match = rule.match;
  const groups: Record<string, string> = {};
  const accept = (found: Record<string, string> | undefined): boolean => {
    if (!found) return false;
    Object.assign(groups, found);
    return true;
  };

  if (match.category !== undefined && !asList(match.category).includes(errorType.category ?? '')) return [];
  if (match.httpStatus !== undefined && !asList(match.httpStatus).includes(errorType.httpStatus ?? -1))
    return [];
  if (match.minCount !== undefined && errorType.count < match.minCount) return [];

  const examples = errorType.examples ?? [];
  if (match.template !== undefined) {
    const candidates = errorType.template !== undefined ? [errorType.template] : examples;
    if (!accept(firstMatch(match.template, candidates))) return [];
  }
  if (match.text !== undefined) {
    const candidates = [errorType.template, errorType.exceptionMessage, ...examples];
    if (!accept(firstMatch(match.text, candidates))) return [];
  }
  if (
    match.exceptionType !== undefined &&
    !accept(firstMatch(match.exceptionType, [errorType.exceptionType]))
  ) {
    return [];
  }
  if (
    match.exceptionMessage !== undefined &&
    !accept(firstMatch(match.exceptionMessage, [errorType.exceptionMessage]))
  ) {
    return [];
  }
  if (match.host !== undefined && !accept(firstMatch(match.host, [errorType.host]))) return [];

  const allPaths = stringList((errorType as { paths?: unknown }).paths);
  let paths = allPaths;
  if (match.path !== undefined) {
    const regex = regexOf(match.path);
    paths = allPaths.filter((path) => regex.test(path));
    if (paths.length === 0) return [];
    accept(firstMatch(match.path, paths));
  }

  const base: Record<string, string> = {
    category: errorType.category ?? '',
    errorType: errorType.id,
    count: String(errorType.count),
  };
  if (errorType.host !== undefined) base.host = errorType.host;
  if (errorType.httpStatus !== undefined) base.httpStatus = String(errorType.httpStatus);
  if (errorType.exceptionType !== undefined) base.exceptionType = errorType.exceptionType;
  if (base.category === '') delete base.category;

  const agents = errorType.agents ?? [];
  const candidates: Array<string | undefined> = agents.length > 0 ? agents : [undefined];
  const hits: RuleHit[] = [];
  for (const agent of candidates) {
    const agentGroups: Record<string, string> = {};
    if (match.agent !== undefined) {
      const found = agent === undefined ? undefined : firstMatch(match.agent, [agent]);
      if (!found) continue;
      Object.assign(agentGroups, found);
    }
    const captures = { ...base, ...groups, ...agentGroups };
    if (agent !== undefined) captures.agent = agent;
    hits.push({ rule, errorType, captures, paths });
  }
  return hits;
}
