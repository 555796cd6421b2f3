import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCopy, ratchet } from './helpers.js';

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('ratchet run (the real bin on a fixture project)', () => {
  it('runs the whole loop with module, TypeScript and Python phases and explains every decision', () => {
    const dir = fixtureCopy('fake-loop');
    const result = ratchet(['run', '--json', '--verbose', '--config', 'ratchet.python.config.mjs'], dir);
    expect(result.stderr).not.toMatch(/\x1b\[/);
    expect(result.status, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome).toMatchObject({
      outcome: 'finished',
      status: 'finished',
      exitCondition: 'all_fixes_attempted',
      fixesSuccessful: ['fix-normalize', 'fix-cache', 'fix-retries'],
      fixesRolledBack: ['fix-threshold'],
      fixesFailed: ['fix-broken'],
      baselineObjective: 0.4,
      currentObjective: 0.12,
    });
    expect(outcome.improvementPct).toBeCloseTo(70);
    const decisions = readJson<{
      decisions: { fixId: string; outcome: string; next: string; rationale: string }[];
    }>(join(dir, '.ratchet', 'decision_log.json')).decisions;
    expect(decisions.map((d) => `${d.fixId}:${d.outcome}`)).toEqual([
      'fix-threshold:ROLLBACK',
      'fix-normalize:KEEP',
      'fix-broken:APPLY_FAILED',
      'fix-cache:KEEP',
      'fix-retries:KEEP',
    ]);
    expect(decisions[0]?.next).toBe('try the alternative fix-normalize');
    expect(decisions[0]?.rationale).toBe('errors per request 0.40 -> 0.49');
    expect(decisions[2]?.rationale).toContain('the target file is read-only');
    for (const file of [
      'loop_state.json',
      'journal.jsonl',
      'decision_log.json',
      'final_improvement_report.md',
      'final_improvement_report.html',
      'run_config.json',
    ]) {
      expect(existsSync(join(dir, '.ratchet', file)), file).toBe(true);
    }
    expect(result.stderr).toContain('judged fix-threshold');
  });

  it('prints plain progress lines on stderr and a readable summary on stdout without --json', () => {
    const dir = fixtureCopy('fake-loop');
    const result = ratchet(['run'], dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: finished (all_fixes_attempted)');
    expect(result.stdout).toContain('fixes kept: fix-normalize, fix-cache, fix-retries');
    expect(result.stderr).toContain('— iteration 1');
    expect(result.stderr).toMatch(/ROLLBACK +fix-threshold/);
    const status = ratchet(['status', '--json'], dir);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'finished', iteration: 2 });
  });

  it('refuses a second run on an output folder whose lock is held by a live process', () => {
    const dir = fixtureCopy('fake-loop');
    mkdirSync(join(dir, '.ratchet'));
    writeFileSync(
      join(dir, '.ratchet', '.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'now' }),
    );
    const result = ratchet(['run'], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('STATE_LOCKED');
    expect(result.stderr).toContain(`pid ${process.pid}`);
  });

  it('exits 2 and names the key when the config has a bad key', () => {
    const dir = fixtureCopy('fake-loop');
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        objective: { metric: 'errors' },
        phases: { aggregate: { use: './aggregate.mjs' } },
        exit: { maxIteration: 3 },
      }),
    );
    const result = ratchet(['run', '--config', 'bad.json'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('CONFIG_INVALID');
    expect(result.stderr).toContain('exit.maxIteration: unknown key');
    expect(result.stderr).toContain('phases.diagnose');
  });

  it('exits 2 and names the phase and module when a phase cannot be loaded', () => {
    const dir = fixtureCopy('fake-loop');
    const config = readFileSync(join(dir, 'ratchet.config.mjs'), 'utf8').replace(
      "'./implement.mjs'",
      "'@acme/no-such-phase'",
    );
    writeFileSync(join(dir, 'ratchet.config.mjs'), config);
    const result = ratchet(['validate'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'phases.implement (@acme/no-such-phase): package @acme/no-such-phase is not installed',
    );
  });

  it('validates a good config and lists its phases', () => {
    const dir = fixtureCopy('fake-loop');
    const result = ratchet(['validate', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      phases: {
        aggregate: 'fixture-aggregate',
        diagnose: 'fixture-diagnose',
        implement: 'fixture-implement',
      },
    });
  });
});
