import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

describe('no work before consent (the real bin on examples/web-service)', () => {
  it('refuses --approve without a terminal with exit 2 and APPROVAL_NEEDS_TERMINAL, before any work', () => {
    const dir = exampleCopy('web-service');
    expect(run(process.execPath, ['bin/load.mjs'], dir).status).toBe(0);
    const log = readFileSync(join(dir, 'logs', 'service.log'), 'utf8');
    const result = ratchet(['run', '--approve'], dir);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('APPROVAL_NEEDS_TERMINAL');
    expect(result.stderr).toContain('--yes');
    // Nothing was measured, refreshed or changed: no run state, no new traffic in the log.
    expect(existsSync(join(dir, '.ratchet', 'loop_state.json'))).toBe(false);
    expect(readFileSync(join(dir, 'logs', 'service.log'), 'utf8')).toBe(log);
  });

  it('a second run marks the fixes already in place ALREADY_APPLIED and does not try them', () => {
    const dir = exampleCopy('web-service');
    expect(run(process.execPath, ['bin/load.mjs'], dir).status).toBe(0);
    const first = ratchet(['run', '--json'], dir);
    expect(first.status, first.stderr).toBe(0);
    const second = ratchet(['run', '--json'], dir);
    expect(second.status, second.stderr).toBe(0);
    const decisions = readJson<DecisionLog>(join(dir, '.ratchet', 'decision_log.json')).decisions;
    const byFix = new Map(decisions.map((d) => [d.fixId, d.outcome]));
    expect(byFix.get('web-grow-cache')).toBe('ALREADY_APPLIED');
    expect(byFix.get('web-raise-upstream-timeout')).toBe('ALREADY_APPLIED');
    expect(readJson(join(dir, 'config', 'service.json'))).toEqual({
      cache: { entries: 48 },
      upstream: { timeoutMs: 250 },
    });
  });
});

describe('a plan on the terminal (the real bin on examples/web-service)', () => {
  it('--dry-run --json prints the diff of every change on stderr, stdout stays one JSON document', () => {
    const dir = exampleCopy('web-service');
    expect(run(process.execPath, ['bin/load.mjs'], dir).status).toBe(0);
    const result = ratchet(['run', '--dry-run', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).status).toBe('finished');
    expect(result.stderr).toContain('plan for web-cache-everything');
    expect(result.stderr).toContain('-  "cache": { "entries": 8 },');
    expect(result.stderr).toContain('+  "cache": { "entries": 1000 },');
    expect(result.stderr).toContain('+  "upstream": { "timeoutMs": 250 }');
  });
});
