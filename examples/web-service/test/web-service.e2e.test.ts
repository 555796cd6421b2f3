import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DecisionLog, exampleCopy, ratchet, readJson, run } from '../../_shared/example-project.js';

describe('examples/web-service (the real bin, the real service on 127.0.0.1)', () => {
  it('rolls back the cache that does not fit, keeps the two fixes that help, and stops on a plateau', () => {
    const dir = exampleCopy('web-service');
    const baseline = run(process.execPath, ['bin/load.mjs'], dir);
    expect(baseline.status, baseline.stderr).toBe(0);
    expect(baseline.stderr).toContain('load: 300 requests');

    const result = ratchet(['run', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome).toMatchObject({
      status: 'finished',
      exitCondition: 'plateau_detected',
      fixesSuccessful: ['web-grow-cache', 'web-raise-upstream-timeout'],
      fixesRolledBack: ['web-cache-everything'],
      fixesFailed: [],
    });
    expect(outcome.currentObjective).toBeLessThan(outcome.baselineObjective / 2);

    const decisions = readJson<DecisionLog>(join(dir, '.ratchet', 'decision_log.json')).decisions;
    expect(decisions.map((d) => `${d.fixId}:${d.outcome}`)).toEqual([
      'web-cache-everything:ROLLBACK',
      'web-grow-cache:KEEP',
      'web-raise-upstream-timeout:KEEP',
    ]);
    expect(decisions[0]?.next).toBe('try the alternative web-grow-cache');

    // The config holds exactly the kept changes; the rolled-back one left no trace.
    expect(readJson(join(dir, 'config', 'service.json'))).toEqual({
      cache: { entries: 48 },
      upstream: { timeoutMs: 250 },
    });
    expect(
      readdirSync(join(dir, '.ratchet', 'backups')).some((name) => name.startsWith('web-cache-everything')),
    ).toBe(true);

    // The service really ran with each config: the rolled-back one made every request fail.
    const log = readFileSync(join(dir, 'logs', 'service.log'), 'utf8');
    expect(log).toContain('started with cache.entries=1000 upstream.timeoutMs=120');
    expect(log).toContain('503 heap exhausted: cache preallocates 1000 MiB');
    expect(log).toContain('started with cache.entries=48 upstream.timeoutMs=250');
    expect(existsSync(join(dir, '.ratchet', 'final_improvement_report.md'))).toBe(true);
  });

  it('refuses a config the service cannot use, naming the file and the key', () => {
    const dir = exampleCopy('web-service');
    const result = run(process.execPath, ['bin/serve.mjs', '--config', 'rules/web-service.yaml'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('web-service.yaml: not valid JSON');
    const load = run(process.execPath, ['bin/load.mjs', '--config', 'package.json'], dir);
    expect(load.status).toBe(1);
    expect(load.stderr).toContain('package.json: cache.entries: expected a positive integer, got undefined');
  });
});
