import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DecisionLog, exampleCopy, ratchet, readJson, run } from '../../_shared/example-project.js';

/** The example with a restart after every fix, and a restart command given by the test. */
function withRestart(dir: string, command: string[]): void {
  const rules = join(dir, 'rules', 'web-service.yaml');
  writeFileSync(
    rules,
    readFileSync(rules, 'utf8').replace(
      /(- \{ type: json-set,[^\n]*\})/g,
      '$1\n          - { type: restart }',
    ),
  );
  const config = join(dir, 'ratchet.config.ts');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      "with: { roots: ['./config'] }",
      `with: { roots: ['./config'], restart: { command: ${JSON.stringify(command)} } }`,
    ),
  );
}

describe('a broken environment stops the run (the real bin on examples/web-service)', () => {
  it('stops at the first failed restart with ENVIRONMENT_BROKEN, the file restored, no other fix tried', () => {
    const dir = exampleCopy('web-service');
    withRestart(dir, [process.execPath, '-e', 'process.exit(3)']);
    expect(run(process.execPath, ['bin/load.mjs'], dir).status).toBe(0);
    const original = readFileSync(join(dir, 'config', 'service.json'), 'utf8');

    const result = ratchet(['run', '--json'], dir);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain('ENVIRONMENT_BROKEN');
    expect(result.stderr).toContain('restart command failed');
    const decisions = readJson<DecisionLog>(join(dir, '.ratchet', 'decision_log.json')).decisions;
    expect(decisions.map((d) => `${d.fixId}:${d.outcome}`)).toEqual(['web-cache-everything:APPLY_FAILED']);
    expect(readFileSync(join(dir, 'config', 'service.json'), 'utf8')).toBe(original);
    const state = readJson<{ status: string; lastError: string }>(join(dir, '.ratchet', 'loop_state.json'));
    expect(state.status).toBe('failed');
    expect(state.lastError).toContain('ENVIRONMENT_BROKEN');
  });
});
