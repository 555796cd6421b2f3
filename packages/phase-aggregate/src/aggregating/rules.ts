import { readFile } from 'node:fs/promises';
import { compileUserRegex, RatchetError, type UserRegex } from '@ratchet/core';
import { type LogRule, PLEX_ERROR_RULES } from '@ratchet/plex';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const LogRuleSchema = z.object({
  name: z.string().min(1),
  category: z.string().min(1),
  message: z.string().optional(),
  contains: z.array(z.string().min(1)).optional(),
  exception: z.string().optional(),
  levels: z.array(z.string()).optional(),
  titleMatchFailure: z.boolean().optional(),
  valueAbove: z.number().optional(),
  valueBelow: z.number().optional(),
});
const RuleFileSchema = z.union([z.array(LogRuleSchema), z.object({ rules: z.array(LogRuleSchema) })]);

export interface CompiledRule {
  rule: LogRule;
  message: UserRegex | undefined;
  exception: UserRegex | undefined;
  levels: ReadonlySet<string> | undefined;
  /** Literal prefixes of a `^(a|b)` message pattern: a cheap test before the regex. */
  prefixes: string[] | undefined;
}

const LITERAL = /^[\w '.,<>/-]*$/;

function literalPrefixes(pattern: string): string[] | undefined {
  if (!pattern.startsWith('^')) return undefined;
  const body = pattern.slice(1);
  const group = /^\(([^()]*)\)/.exec(body);
  const alternatives = group ? (group[1] ?? '').split('|') : [body.split(/[\\[(.*+?{]/)[0] ?? ''];
  const prefixes = alternatives.map((alternative) =>
    (alternative.split(/[\\[(.*+?{]/)[0] ?? '').replace(/\$$/, ''),
  );
  if (prefixes.some((prefix) => prefix.length === 0 || !LITERAL.test(prefix))) return undefined;
  return prefixes;
}

// User patterns run on the linear-time engine unless proven safe (ReDoS); the built-in ones are ours.
function compileRegex(pattern: string, where: string, trusted: boolean): UserRegex {
  return compileUserRegex(pattern, where, { hot: true, trusted });
}

export function compileRules(rules: readonly LogRule[], source = 'rules'): CompiledRule[] {
  const trusted = rules === PLEX_ERROR_RULES;
  return rules.map((rule, index) => {
    const where = `${source}[${index}] (${rule.name})`;
    if (rule.message === undefined && rule.exception === undefined) {
      throw new RatchetError('INPUT_INVALID', `${where}: a rule needs "message" or "exception"`);
    }
    return {
      rule,
      message:
        rule.message === undefined ? undefined : compileRegex(rule.message, `${where}.message`, trusted),
      exception:
        rule.exception === undefined
          ? undefined
          : compileRegex(rule.exception, `${where}.exception`, trusted),
      levels: rule.levels ? new Set(rule.levels.map((level) => level.toUpperCase())) : undefined,
      prefixes: rule.message === undefined ? undefined : literalPrefixes(rule.message),
    };
  });
}

/** Reads a YAML or JSON rule file: a list of rules, or `{ rules: [...] }`. */
export async function loadRuleFile(path: string): Promise<LogRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RatchetError('INPUT_INVALID', `cannot read rule file ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new RatchetError('INPUT_INVALID', `rule file ${path} does not parse: ${(error as Error).message}`);
  }
  const parsed = RuleFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RatchetError(
      'INPUT_INVALID',
      `rule file ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      { hint: 'each rule needs name, category and a message or exception regular expression' },
    );
  }
  const rules = Array.isArray(parsed.data) ? parsed.data : parsed.data.rules;
  compileRules(rules, path);
  return rules;
}

/** The combined test, or none when no engine can run it safely (each rule is then tried alone). */
function combinedPrefilter(source: string, allNative: boolean): UserRegex | undefined {
  try {
    return compileUserRegex(source, 'rules (combined)', { trusted: allNative });
  } catch {
    return undefined;
  }
}

/**
 * Rules in order, with cheap tests first: prefix rules are skipped by `startsWith`, and the other
 * message patterns share one combined regex that must match before any of them is tried.
 */
export class RuleSet {
  private readonly rules: readonly CompiledRule[];
  private readonly unanchored: UserRegex | undefined;
  /** Per first character of a message: the rules that may match it, in order. */
  private readonly byFirstChar = new Map<number, CompiledRule[]>();

  constructor(rules: readonly CompiledRule[]) {
    this.rules = rules;
    const patterns = rules
      .filter(
        (compiled) =>
          compiled.message !== undefined &&
          compiled.prefixes === undefined &&
          compiled.rule.contains === undefined,
      )
      .map((compiled) => `(?:${(compiled.rule.message ?? '').replace(/\(\?<[A-Za-z_]\w*>/g, '(?:')})`);
    const allNative = rules.every(
      (compiled) => compiled.message === undefined || compiled.message.engine === 'native',
    );
    this.unanchored = patterns.length > 0 ? combinedPrefilter(patterns.join('|'), allNative) : undefined;
  }

  get size(): number {
    return this.rules.length;
  }

  private candidates(firstChar: number): CompiledRule[] {
    let list = this.byFirstChar.get(firstChar);
    if (list === undefined) {
      list = this.rules.filter(
        (compiled) =>
          compiled.prefixes === undefined ||
          compiled.prefixes.some((prefix) => prefix.charCodeAt(0) === firstChar),
      );
      this.byFirstChar.set(firstChar, list);
    }
    return list;
  }

  /** The first rule that matches a record, or undefined. */
  match(
    message: string,
    level: string | undefined,
    exceptionLine: string | undefined,
  ): CompiledRule | undefined {
    const candidates = this.candidates(message.charCodeAt(0));
    if (candidates.length === 0) return undefined;
    let unanchoredTested = false;
    let unanchoredMatched = false;
    for (const compiled of candidates) {
      if (compiled.levels && (level === undefined || !compiled.levels.has(level))) continue;
      if (compiled.message) {
        const prefixes = compiled.prefixes;
        if (prefixes) {
          let any = false;
          for (const prefix of prefixes) {
            if (message.startsWith(prefix)) {
              any = true;
              break;
            }
          }
          if (!any) continue;
        } else if (compiled.rule.contains !== undefined) {
          let any = false;
          for (const text of compiled.rule.contains) {
            if (message.includes(text)) {
              any = true;
              break;
            }
          }
          if (!any) continue;
        } else {
          if (!unanchoredTested) {
            unanchoredTested = true;
            unanchoredMatched = this.unanchored?.test(message) ?? true;
          }
          if (!unanchoredMatched) continue;
        }
        const match = compiled.message.exec(message);
        if (!match) continue;
        const value = match.groups?.value;
        if (value !== undefined) {
          const number = Number(value);
          if (compiled.rule.valueAbove !== undefined && !(number > compiled.rule.valueAbove)) continue;
          if (compiled.rule.valueBelow !== undefined && !(number < compiled.rule.valueBelow)) continue;
        }
      }
      if (compiled.exception && (exceptionLine === undefined || !compiled.exception.test(exceptionLine)))
        continue;
      return compiled;
    }
    return undefined;
  }
}
