import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleCopy, ratchet, run } from '../../_shared/example-project.js';

// docs/first-loop.md, step by step, on a fresh copy of the example (the loop itself is run by
// web-service.e2e.test.ts).
describe('docs/first-loop.md on examples/web-service', () => {
  it('refuses a run with no log, measures a non-zero objective after the first load, and refuses a metric typo', () => {
    const dir = exampleCopy('web-service');

    const noLog = ratchet(['validate'], dir);
    expect(noLog.status).toBe(2);
    expect(noLog.stderr).toContain(
      'phases.aggregate: the logs in ./logs hold no records in the baseline window (no log file found)',
    );
    expect(ratchet(['validate', '--offline'], dir).status).toBe(0);

    const load = run(process.execPath, ['bin/load.mjs'], dir);
    expect(load.stderr).toContain('load: 300 requests, by status {"200":104,"400":8,"504":188}');
    const measured = ratchet(['validate', '--measure'], dir);
    expect(measured.status, measured.stderr).toBe(0);
    expect(measured.stdout).toContain(
      'metrics:   records, errorRecords, unparsedLines, requests, timeouts, cacheHits',
    );
    expect(measured.stdout).toContain('checked: the logs hold 301 records');
    expect(measured.stdout).toContain('objective: 0.6533');
    expect(measured.stdout).toMatch(/timeouts\s+188/);

    const config = join(dir, 'ratchet.config.ts');
    writeFileSync(config, readFileSync(config, 'utf8').replace("per: 'requests'", "per: 'request'"));
    const typo = ratchet(['validate'], dir);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain(
      "objective.per: 'request' is not a metric the aggregate phase produces (did you mean 'requests'?)",
    );
    expect(typo.stderr).toContain(
      'hint: the aggregate phase produces: records, errorRecords, unparsedLines, requests, timeouts, cacheHits',
    );
  });
});
