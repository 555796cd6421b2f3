import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RatchetError } from '@ratchet/core';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { checkAction } from '../actions/validate-action.js';
import { type Rule, RuleFileSchema, RuleSchema } from './rule-schema.js';
import { placeholdersIn, placeholdersInValue } from './template.js';

/** The Plex knowledge base shipped with this package. */
export const BUILTIN_RULES_FILE = fileURLToPath(new URL('../../rules/plex.yaml', import.meta.url));

/** Values every match provides, when the error type has them. */
export const STANDARD_CAPTURES = [
  'agent',
  'host',
  'httpStatus',
  'category',
  'exceptionType',
  'errorType',
  'count',
] as const;
/** Only in actions: each action that uses it is repeated once per matching path. */
export const PATH_CAPTURE = 'path';

export interface LoadedRule extends Rule {
  file: string;
}

function fail(file: string, where: string, message: string, details: Record<string, unknown>): never {
  throw new RatchetError('CONFIG_INVALID', `${file}: ${where}${message}`, {
    hint: 'Fix the rule file; the format is described in docs/diagnose.md.',
    details: { file, ...details },
  });
}

function dotPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./, '');
}

function firstIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: '', message: 'invalid' };
  const message =
    issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message;
  return { path: dotPath(issue.path), message };
}

function namedGroups(source: string | undefined): string[] {
  if (!source) return [];
  return [...source.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((match) => match[1] as string);
}

function checkPlaceholders(file: string, label: string, rule: Rule): void {
  const groups = [
    rule.match.template,
    rule.match.text,
    rule.match.exceptionType,
    rule.match.exceptionMessage,
    rule.match.host,
    rule.match.agent,
    rule.match.path,
  ].flatMap(namedGroups);
  const known = new Set<string>([...STANDARD_CAPTURES, ...groups]);
  const check = (value: unknown, where: string, allowPath: boolean) => {
    for (const name of placeholdersInValue(value)) {
      if (known.has(name) || (allowPath && name === PATH_CAPTURE)) continue;
      const why =
        name === PATH_CAPTURE
          ? '{{path}} may only be used inside actions'
          : `unknown capture {{${name}}}; available: ${[...known].join(', ')}`;
      fail(file, label, `${where}: ${why}`, { ruleId: rule.id, path: where });
    }
  };
  check(rule.rootCause, 'rootCause', false);
  check(rule.recommendation, 'recommendation', false);
  rule.fixes?.forEach((fix, index) => {
    check(fix.id, `fixes[${index}].id`, false);
    check(fix.name, `fixes[${index}].name`, false);
    check(fix.alternativeOf, `fixes[${index}].alternativeOf`, false);
    check(fix.expectedImprovement, `fixes[${index}].expectedImprovement`, false);
    check(fix.actions, `fixes[${index}].actions`, true);
  });
  if (rule.fixes?.some((fix) => placeholdersIn(fix.id).includes(PATH_CAPTURE))) {
    fail(file, label, 'fix ids may not use {{path}}', { ruleId: rule.id });
  }
}

/** Parses and validates the text of one rule file; `file` is only used in messages. */
export function parseRules(source: string, file: string): LoadedRule[] {
  let data: unknown;
  if (extname(file).toLowerCase() === '.json') {
    try {
      data = JSON.parse(source);
    } catch (error) {
      fail(file, '', `invalid JSON: ${(error as Error).message}`, {});
    }
  } else {
    const document = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
    const error = document.errors[0];
    if (error) {
      const position = error.linePos?.[0];
      const at = position ? `line ${position.line}, column ${position.col}: ` : '';
      fail(file, at, `YAML syntax error: ${error.message.split('\n')[0]}`, { line: position?.line });
    }
    try {
      data = document.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      // An alias bomb ("billion laughs") expands past the limit: refused before it can fill memory.
      fail(file, '', `YAML cannot be expanded: ${(error as Error).message.split('\n')[0]}`, {});
    }
  }
  const parsedFile = RuleFileSchema.safeParse(data);
  if (!parsedFile.success) {
    const { path, message } = firstIssue(parsedFile.error);
    fail(file, path ? `${path}: ` : '', `${message} (a rule file is { version: 1, rules: [...] })`, { path });
  }
  const seen = new Set<string>();
  return parsedFile.data.rules.map((raw, index) => {
    const rawId = (raw as { id?: unknown } | null)?.id;
    const label = typeof rawId === 'string' ? `rule "${rawId}" (rules[${index}]): ` : `rules[${index}]: `;
    const parsed = RuleSchema.safeParse(raw);
    if (!parsed.success) {
      const { path, message } = firstIssue(parsed.error);
      fail(file, label, `${path || '(rule)'}: ${message}`, { ruleId: rawId, path });
    }
    const rule = parsed.data;
    if (seen.has(rule.id))
      fail(file, label, 'id: duplicate rule id in this file', { ruleId: rule.id, path: 'id' });
    seen.add(rule.id);
    rule.fixes?.forEach((fix, fixIndex) => {
      fix.actions.forEach((action, actionIndex) => {
        const problem = checkAction(action)[0];
        if (problem) {
          const path = `fixes[${fixIndex}].actions[${actionIndex}]${problem.path ? `.${problem.path}` : ''}`;
          fail(file, label, `${path}: ${problem.message}`, { ruleId: rule.id, path });
        }
      });
    });
    checkPlaceholders(file, label, rule);
    return { ...rule, file };
  });
}

export async function loadRuleFile(file: string): Promise<LoadedRule[]> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RatchetError(
      code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID',
      `${file}: cannot read rule file (${code ?? (error as Error).message})`,
      {
        hint: 'Check the path in the diagnose phase option `rules` (relative to the config file).',
        cause: error,
      },
    );
  }
  return parseRules(source, file);
}

/**
 * Loads the rule files in order. A rule with the same id as an earlier one replaces it, so a user
 * file can override a built-in rule. User files come first in matching order.
 */
export async function loadRuleSet(options: { files: string[]; builtin: boolean }): Promise<LoadedRule[]> {
  const files = options.builtin ? [BUILTIN_RULES_FILE, ...options.files] : options.files;
  const byId = new Map<string, LoadedRule>();
  for (const file of files) {
    for (const rule of await loadRuleFile(file)) {
      byId.delete(rule.id);
      byId.set(rule.id, rule);
    }
  }
  const rules = [...byId.values()];
  const user = rules.filter((rule) => rule.file !== BUILTIN_RULES_FILE);
  const builtin = rules.filter((rule) => rule.file === BUILTIN_RULES_FILE);
  return [...user, ...builtin];
}
