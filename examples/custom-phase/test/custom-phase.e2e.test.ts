import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DecisionLog, exampleCopy, ratchet, readJson, run } from '../../_shared/example-project.js';

describe('examples/custom-phase (the real bin, a class phase and a custom exit policy)', () => {
  it('loads the decorated class through the CLI and stops on the custom error-budget condition', () => {
    const dir = exampleCopy('custom-phase');
    const validate = ratchet(['validate', '--offline', '--json'], dir);
    expect(validate.status, validate.stderr).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({
      phases: { aggregate: 'jsonl-aggregate' },
      exitPolicies: expect.arrayContaining(['errorBudget']),
    });

    expect(run(process.execPath, ['bin/job.mjs'], dir).stderr).toContain('job: 400 records, 112 rejected');
    const result = ratchet(['run', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'finished',
      exitCondition: 'error_budget_met',
      baselineObjective: 0.28,
      currentObjective: 0.02,
      fixesSuccessful: ['job-accept-day-first', 'job-raise-field-limit'],
      fixesRolledBack: ['job-lenient-parser'],
    });
    const decisions = readJson<DecisionLog>(join(dir, '.ratchet', 'decision_log.json')).decisions;
    expect(decisions.map((d) => `${d.fixId}:${d.outcome}`)).toEqual([
      'job-lenient-parser:ROLLBACK',
      'job-accept-day-first:KEEP',
      'job-raise-field-limit:KEEP',
    ]);
    // The class phase lists per-record outcomes, so the judge compares the same records (paired).
    expect(decisions[1]?.rationale).toContain(
      'Sequential paired test (beta-binomial mixture e-value) on the same items',
    );
    expect(readJson(join(dir, 'config', 'job.json'))).toEqual({
      parser: 'strict',
      dateFormats: ['iso', 'day-first'],
      maxFieldBytes: 1024,
    });
    // The policy's counter is persisted with the state, for resume.
    const state = readJson<{ policyState: Record<string, unknown> }>(
      join(dir, '.ratchet', 'loop_state.json'),
    );
    expect(state.policyState.errorBudget).toEqual({ streak: 1, countedAt: 3 });
    expect(readFileSync(join(dir, '.ratchet', 'iterations', '01', 'aggregate.md'), 'utf8')).toContain(
      '| rejected:date-format | 80 |',
    );
  });

  it('stops with exit code 2 and names the key when the phase options are wrong', () => {
    const dir = exampleCopy('custom-phase');
    const config = join(dir, 'ratchet.config.ts');
    const text = readFileSync(config, 'utf8').replace("groupBy: 'reason'", "groupBy: ''");
    writeFileSync(config, text);
    const result = ratchet(['validate'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('PHASE_OPTIONS_INVALID');
    expect(result.stderr).toContain('jsonl-aggregate: groupBy:');
  });
});
