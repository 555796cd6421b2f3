import { join } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { rejection, SIMDB_RULES, withTempDir, writeFiles } from '../testing/aggregates.test-helpers.js';
import { BUILTIN_RULES_FILE, loadRuleFile, loadRuleSet } from './load-rules.js';

const validRule = `
  - id: my-rule
    title: Mine
    confidence: 0.7
    match:
      category: http-error
    rootCause: because
    fixes:
      - id: my-fix
        name: Do it
        actions:
          - type: restart
`;

async function loadError(content: string, name = 'bad.yaml'): Promise<RatchetError> {
  return withTempDir(async (dir) => {
    await writeFiles(dir, { [name]: content });
    const error = await loadRuleFile(join(dir, name)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RatchetError);
    return error as RatchetError;
  });
}

describe('loading rule files', () => {
  it('loads the built-in Plex knowledge base and the simdb rule file without errors', async () => {
    const rules = await loadRuleSet({ files: [SIMDB_RULES], builtin: true });
    expect(rules.length).toBeGreaterThan(20);
    expect(rules[0]?.id).toBe('simdb-title-mismatch');
    expect(rules.every((rule) => rule.source !== undefined)).toBe(true);
  });

  it('cites the thread or framework file behind every built-in rule', async () => {
    const rules = await loadRuleFile(BUILTIN_RULES_FILE);
    for (const rule of rules) {
      const sources = [rule.source ?? []].flat();
      expect(sources.length, rule.id).toBeGreaterThan(0);
      for (const source of sources) expect(source, rule.id).toMatch(/#\d+|\.py\b|ERRORS\.md/);
    }
  });

  it('lets a user rule with the same id replace a built-in rule', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'mine.yaml': `version: 1\nrules:\n  - id: timeout\n    title: Mine\n    match: { category: timeout }\n    rootCause: my network\n    recommendation: { title: fix my network }\n`,
      });
      const rules = await loadRuleSet({ files: [join(dir, 'mine.yaml')], builtin: true });
      const timeout = rules.filter((rule) => rule.id === 'timeout');
      expect(timeout).toHaveLength(1);
      expect(timeout[0]?.rootCause).toBe('my network');
    });
  });

  it('reads rule files written as JSON', async () => {
    await withTempDir(async (dir) => {
      const rule = {
        id: 'json-rule',
        title: 'J',
        match: { httpStatus: [500, 502] },
        rootCause: 'r',
        recommendation: { title: 't' },
      };
      await writeFiles(dir, { 'rules.json': JSON.stringify({ version: 1, rules: [rule] }) });
      const rules = await loadRuleFile(join(dir, 'rules.json'));
      expect(rules[0]?.match.httpStatus).toEqual([500, 502]);
      expect(rules[0]?.confidence).toBe(0.5);
    });
  });

  it('names the file, the rule and the key path of an unknown match key', async () => {
    const error = await loadError(
      `version: 1\nrules:${validRule}  - id: typo-rule\n    title: T\n    match:\n      catgory: http-error\n    rootCause: r\n    recommendation: { title: t }\n`,
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(
      /bad\.yaml: rule "typo-rule" \(rules\[1\]\): match: unknown key\(s\): catgory/,
    );
    expect(error.details).toMatchObject({ ruleId: 'typo-rule', path: 'match' });
  });

  it('names the key path of a value of the wrong type', async () => {
    const error = await loadError(
      `rules:\n  - id: status-rule\n    title: T\n    match: { httpStatus: "404" }\n    rootCause: r\n    recommendation: { title: t }\n`,
    );
    expect(error.message).toContain('rule "status-rule" (rules[0]): match.httpStatus:');
  });

  it('reports the line of a YAML syntax error', async () => {
    const error = await loadError('version: 1\nrules:\n  - id: x\n    title: [unclosed\n');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/bad\.yaml: line \d+, column \d+: YAML syntax error/);
  });

  it('rejects a regular expression that does not compile', async () => {
    const error = await loadError(
      `rules:\n  - id: regex-rule\n    title: T\n    match: { template: "(unclosed" }\n    rootCause: r\n    recommendation: { title: t }\n`,
    );
    expect(error.message).toContain(
      'rule "regex-rule" (rules[0]): match.template: not a valid regular expression',
    );
  });

  it('rejects an action outside the vocabulary, naming its index', async () => {
    const error = await loadError(
      `rules:\n  - id: action-rule\n    title: T\n    match: { category: timeout }\n    rootCause: r\n    fixes:\n      - id: f\n        name: F\n        actions:\n          - type: restart\n          - type: reboot-the-world\n`,
    );
    expect(error.message).toContain(
      'rule "action-rule" (rules[0]): fixes[0].actions[1].type: unknown action type "reboot-the-world"',
    );
  });

  it('rejects a set-pref action without its key', async () => {
    const error = await loadError(
      `rules:\n  - id: pref-rule\n    title: T\n    match: { category: timeout }\n    rootCause: r\n    fixes:\n      - id: f\n        name: F\n        actions:\n          - { type: set-pref, bundleId: x, value: "1" }\n`,
    );
    expect(error.message).toContain('fixes[0].actions[0].key');
  });

  it('rejects a placeholder that nothing captures', async () => {
    const error = await loadError(
      `rules:\n  - id: capture-rule\n    title: T\n    match: { template: "item (?<item>\\\\d+)" }\n    rootCause: "{{item}} and {{itme}}"\n    recommendation: { title: t }\n`,
    );
    expect(error.message).toContain('rule "capture-rule" (rules[0]): rootCause: unknown capture {{itme}}');
  });

  it('allows {{path}} only inside actions', async () => {
    const error = await loadError(
      `rules:\n  - id: path-rule\n    title: T\n    match: { category: model-read }\n    rootCause: "{{path}}"\n    recommendation: { title: t }\n`,
    );
    expect(error.message).toContain('rootCause: {{path}} may only be used inside actions');
  });

  it('rejects a rule with neither fixes nor a recommendation', async () => {
    const error = await loadError(
      `rules:\n  - id: empty-rule\n    title: T\n    match: { category: timeout }\n    rootCause: r\n`,
    );
    expect(error.message).toContain(
      'rule "empty-rule" (rules[0]): (rule): a rule needs `fixes` or a `recommendation`',
    );
  });

  it('rejects two rules with the same id in one file', async () => {
    const error = await loadError(`rules:${validRule}${validRule}`);
    expect(error.message).toContain('rule "my-rule" (rules[1]): id: duplicate rule id');
  });

  it('says what a rule file looks like when the top level is wrong', async () => {
    const error = await loadError('- id: x\n');
    expect(error.message).toContain('a rule file is { version: 1, rules: [...] }');
  });

  it('gives CONFIG_NOT_FOUND with the path of a missing file', async () => {
    const error = await rejection(loadRuleFile('/nonexistent/rules.yaml'));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toContain('/nonexistent/rules.yaml');
    expect(error.isUsageError).toBe(true);
  });
});
