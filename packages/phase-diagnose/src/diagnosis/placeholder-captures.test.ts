import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorType } from '@ratchet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../phase/diagnose-phase.js';
import { DEFAULT_THRESHOLDS } from '../ranking/rank-fixes.js';
import { type LoadedRule, loadRuleSet } from '../rules/load-rules.js';
import { simdbAggregate } from '../testing/aggregates.test-helpers.js';

const RULES = `version: 1
rules:
  - id: pin-upstream-host
    title: The agent talks to the wrong host
    confidence: 0.9
    match: { category: unknown, template: "connect to (?<upstream>\\\\S+) refused" }
    rootCause: "{{upstream}} refuses connections"
    fixes:
      - id: pin-host
        name: Pin the upstream host
        actions:
          - { type: json-set, file: agent.json, path: host, value: "{{upstream}}" }
  - id: leak-a-key
    title: The agent lost its key
    confidence: 0.9
    match: { category: unknown, template: "key lost" }
    rootCause: the key is gone
    fixes:
      - id: write-key
        name: Write the key back
        actions:
          - { type: json-set, file: agent.json, path: url, value: "https://api.example/?api_key=abc123secret" }
`;

function refused(template: string, example: string): ErrorType {
  return { id: `unknown:${template}`, category: 'unknown', count: 5, template, examples: [example] };
}

describe('captures that are placeholders of a mined template', () => {
  let dir: string;
  let rules: LoadedRule[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'placeholder-captures-'));
    await writeFile(join(dir, 'rules.yaml'), RULES);
    rules = await loadRuleSet({ files: [join(dir, 'rules.yaml')], builtin: false });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('never proposes a fix that would write <*>, and says why in the diagnosis', async () => {
    const diagnosis = await diagnose(
      {
        aggregate: simdbAggregate([refused('connect to <*> refused', 'connect to a.example refused')]),
        mode: 'full',
        attemptedFixIds: [],
        rolledBackFixIds: [],
      },
      rules,
      { thresholds: DEFAULT_THRESHOLDS },
    );
    expect(diagnosis.fixes).toEqual([]);
    expect(JSON.stringify(diagnosis)).not.toContain('"value":"<*>"');
    const problems = (diagnosis.problems ?? []) as string[];
    expect(
      problems.some(
        (p) => p.includes('fix pin-host of rule pin-upstream-host not proposed') && p.includes('<*>'),
      ),
    ).toBe(true);
  });

  it('proposes the fix when the capture is a real value', async () => {
    const diagnosis = await diagnose(
      {
        aggregate: simdbAggregate([
          refused('connect to api.example refused', 'connect to api.example refused'),
        ]),
        mode: 'full',
        attemptedFixIds: [],
        rolledBackFixIds: [],
      },
      rules,
      { thresholds: DEFAULT_THRESHOLDS },
    );
    expect(diagnosis.fixes.map((fix) => fix.actions)).toEqual([
      [{ type: 'json-set', file: 'agent.json', path: 'host', value: 'api.example' }],
    ]);
  });

  it('never proposes a fix whose action holds a secret-shaped value, which redaction would turn into [redacted]', async () => {
    const diagnosis = await diagnose(
      {
        aggregate: simdbAggregate([refused('key lost', 'key lost')]),
        mode: 'full',
        attemptedFixIds: [],
        rolledBackFixIds: [],
      },
      rules,
      { thresholds: DEFAULT_THRESHOLDS },
    );
    expect(diagnosis.fixes).toEqual([]);
    expect(JSON.stringify(diagnosis)).not.toContain('abc123secret');
    expect((diagnosis.problems ?? []) as string[]).toContain(
      'fix write-key not proposed: its actions hold a secret-shaped value, which is never written',
    );
  });
});
