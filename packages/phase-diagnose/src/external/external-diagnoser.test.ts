import { access, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { type DiagnoseInput, type ErrorType, silentLogger } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../phase/diagnose-phase.js';
import { DEFAULT_THRESHOLDS } from '../ranking/rank-fixes.js';
import { loadRuleSet } from '../rules/load-rules.js';
import {
  rejection,
  SIMDB_RULES,
  simdbAggregate,
  titleMismatch,
  withTempDir,
  writeFiles,
} from '../testing/aggregates.test-helpers.js';
import { runExternalDiagnoser } from './run-external-diagnoser.js';

const mystery: ErrorType = {
  id: 'unknown:com.example.agent:frobnicate',
  category: 'unknown',
  count: 4,
  agents: ['com.example.agent'],
  template: 'frobnicate failed for <*>',
  examples: ['frobnicate failed for 42'],
};

const input = (errorTypes: ErrorType[]): DiagnoseInput => ({
  aggregate: simdbAggregate(errorTypes),
  mode: 'full',
  attemptedFixIds: [],
  rolledBackFixIds: [],
});

// Proposes one fix per error type it is asked about, plus one with an action outside the vocabulary.
const PYTHON_DIAGNOSER = `
import json, sys
with open(sys.argv[1]) as f:
    data = json.load(f)
fixes = []
for entry in data["needsResearch"]:
    fixes.append({
        "id": "external-reset:" + entry["id"],
        "name": "Reset the frobnicator",
        "priority": "LOW",
        "rootCause": "the frobnicator cache is stale",
        "targets": [entry["id"]],
        "confidence": 0.5,
        "actions": [{"type": "delete", "path": "Plug-in Support/Caches/frob"}, {"type": "restart"}],
    })
fixes.append({"id": "external-wipe", "priority": "HIGH", "targets": [data["needsResearch"][0]["id"]], "actions": [{"type": "rm-rf", "path": "/"}]})
seen = sorted(t["id"] for t in data["aggregate"]["errorTypes"])
with open(sys.argv[2], "w") as f:
    json.dump({"fixes": fixes, "recommendations": [{"title": "asked about " + ",".join(seen)}]}, f)
`;

describe('the external diagnoser', () => {
  it('runs a Python diagnoser through {input} and {output}, asks it only about unexplained error types, and vets its fixes', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'diagnoser.py': PYTHON_DIAGNOSER });
      const rules = await loadRuleSet({ files: [SIMDB_RULES], builtin: true });
      const diagnosis = await diagnose(input([mystery, titleMismatch(4)]), rules, {
        thresholds: DEFAULT_THRESHOLDS,
        external: { command: ['python3', join(dir, 'diagnoser.py'), '{input}', '{output}'], required: false },
      });
      const external = diagnosis.fixes.filter((fix) => fix.origin === 'external');
      expect(external).toHaveLength(1);
      expect(external[0]).toMatchObject({
        id: `external-reset:${mystery.id}`,
        targets: [mystery.id],
        confidence: 0.5,
        actions: [{ type: 'delete', path: 'Plug-in Support/Caches/frob' }, { type: 'restart' }],
      });
      // Ranked like rule fixes, not by what it claimed: 4 errors in 40 operations (the error type
      // names no items) x confidence 0.5.
      expect(external[0]?.impact).toBeCloseTo((4 / 40) * 0.5, 4);
      expect(external[0]?.priority).toBe('MEDIUM');
      expect(diagnosis.problems).toContainEqual(
        expect.stringContaining(
          'external fix external-wipe rejected: actions[0].type: unknown action type "rm-rf"',
        ),
      );
      expect(diagnosis.recommendations).toContainEqual(
        expect.objectContaining({ title: `asked about ${mystery.id}`, origin: 'external' }),
      );
      expect(diagnosis.needsResearch).toEqual([
        expect.objectContaining({ id: mystery.id, externalFixes: true }),
      ]);
    });
  });

  it('reads the result from stdout when argv has no {output}, without a shell', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'diagnoser.sh': `#!/bin/bash\ntest -s "$1" || { echo "no input at $1" >&2; exit 3; }\necho '{"fixes":[{"id":"x-fix","priority":"LOW","targets":["${mystery.id}"],"actions":[{"type":"restart"}]}]}'\n`,
      });
      await chmod(join(dir, 'diagnoser.sh'), 0o755);
      const output = await runExternalDiagnoser(
        { command: [join(dir, 'diagnoser.sh'), '{input}', '$(touch pwned)'] },
        { needsResearch: [mystery] },
        { log: silentLogger, cwd: dir },
      );
      expect(output.fixes.map((fix) => fix.id)).toEqual(['x-fix']);
      await expect(access(join(dir, 'pwned'))).rejects.toThrow();
    });
  });

  it('fails with SUBPROCESS_EXIT and the tail of stderr when the diagnoser exits non-zero', async () => {
    const error = await rejection(
      runExternalDiagnoser(
        { command: ['bash', '-c', 'echo "model quota exceeded" >&2; exit 3', 'diagnoser', '{input}'] },
        {},
        { log: silentLogger },
      ),
    );
    expect(error.code).toBe('SUBPROCESS_EXIT');
    expect(error.message).toContain('exited with code 3');
    expect(error.message).toContain('model quota exceeded');
  });

  it('fails with SUBPROCESS_TIMEOUT when the diagnoser runs too long', async () => {
    const error = await rejection(
      runExternalDiagnoser({ command: ['sleep', '10'], timeoutMs: 300 }, {}, { log: silentLogger }),
    );
    expect(error.code).toBe('SUBPROCESS_TIMEOUT');
  });

  it('fails with SUBPROCESS_BAD_JSON on output that is not JSON, and PHASE_INVALID_OUTPUT on a fix without priority', async () => {
    const bad = await rejection(
      runExternalDiagnoser({ command: ['echo', 'I think it is DNS'] }, {}, { log: silentLogger }),
    );
    expect(bad.code).toBe('SUBPROCESS_BAD_JSON');
    expect(bad.message).toContain('it began: I think it is DNS');
    const invalid = await rejection(
      runExternalDiagnoser(
        { command: ['echo', '{"fixes":[{"id":"f","targets":[]}]}'] },
        {},
        { log: silentLogger },
      ),
    );
    expect(invalid.code).toBe('PHASE_INVALID_OUTPUT');
    expect(invalid.message).toContain('priority');
  });

  it('fails with SUBPROCESS_SPAWN when the program does not exist', async () => {
    const error = await rejection(
      runExternalDiagnoser({ command: ['/nonexistent/diagnoser'] }, {}, { log: silentLogger }),
    );
    expect(error.code).toBe('SUBPROCESS_SPAWN');
  });

  it('keeps the rule diagnosis and records the failure when an optional diagnoser fails, and throws when it is required', async () => {
    const rules = await loadRuleSet({ files: [SIMDB_RULES], builtin: true });
    const failing = { command: ['bash', '-c', 'echo boom >&2; exit 1'] };
    const diagnosis = await diagnose(input([mystery, titleMismatch(2)]), rules, {
      thresholds: DEFAULT_THRESHOLDS,
      external: { ...failing, required: false },
    });
    expect(diagnosis.fixes.map((fix) => fix.id)).toContain('simdb-normalize-titles');
    expect(diagnosis.problems).toContainEqual(
      expect.stringMatching(/^external diagnoser failed: SUBPROCESS_EXIT: .*boom/s),
    );
    const error = await rejection(
      diagnose(input([mystery]), rules, {
        thresholds: DEFAULT_THRESHOLDS,
        external: { ...failing, required: true },
      }),
    );
    expect(error.code).toBe('SUBPROCESS_EXIT');
  });

  it('is not run when every error type is explained by a rule', async () => {
    await withTempDir(async (dir) => {
      const rules = await loadRuleSet({ files: [SIMDB_RULES], builtin: true });
      const marker = join(dir, 'ran');
      const diagnosis = await diagnose(input([titleMismatch(2)]), rules, {
        thresholds: DEFAULT_THRESHOLDS,
        external: { command: ['touch', marker], required: true },
      });
      expect(diagnosis.external).toBeUndefined();
      await expect(access(marker)).rejects.toThrow();
    });
  });
});
