import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '@ratchet/plex-sim';
import { describe, expect, it } from 'vitest';
import {
  BIN,
  type CliResult,
  type DecisionLog,
  EXAMPLES,
  exampleCopy,
  readJson,
} from '../../_shared/example-project.js';

/** The bin as a child process, without blocking this process: the simulator runs in it. */
function ratchetAsync(args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, CI: '1', FORCE_COLOR: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

// `python3` on PATH may be a pyenv shim that takes ~2 s to start; the system one starts in 0.15 s.
const PATH = `/usr/bin:${process.env.PATH}`;

describe('examples/script-phases (five Python scripts coordinated by the real bin, against the Plex simulator)', () => {
  it('keeps the fixes that help, rolls back the threshold change that trades errors, and never writes the token', async () => {
    const dir = exampleCopy('script-phases');
    const dataDir = join(mkdtempSync(join(tmpdir(), 'ratchet-script-phases-sim-')), 'data');
    const token = randomBytes(16).toString('hex');
    const sim = await createSimulator({ dataDir, port: 0, token, seed: 7, items: 150 });
    try {
      const result = await ratchetAsync(['run', '--json'], dir, {
        PATH,
        PLEX_TOKEN: token,
        PLEX_URL: sim.url,
        PLEX_DATA_DIR: dataDir,
      });
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        status: 'finished',
        exitCondition: 'all_fixes_attempted',
        fixesSuccessful: ['normalize-titles', 'retry-on-429', 'api-v3'],
        fixesRolledBack: ['lower-match-threshold'],
        fixesFailed: [],
      });
      const decisions = readJson<DecisionLog>(join(dir, '.ratchet', 'decision_log.json')).decisions;
      expect(decisions.map((d) => `${d.fixId}:${d.outcome}`)).toEqual([
        'lower-match-threshold:ROLLBACK',
        'normalize-titles:KEEP',
        'retry-on-429:KEEP',
        'api-v3:KEEP',
      ]);
      for (const decision of decisions) expect(decision.rationale).toContain('exact McNemar on 150 items');
      expect(decisions[0]?.next).toBe('try the alternative normalize-titles');

      // The server's preferences hold exactly the kept fixes; the rolled-back threshold is back.
      const prefs = readFileSync(
        join(dataDir, 'Plug-in Support', 'Preferences', 'com.plexapp.agents.simdb.xml'),
        'utf8',
      );
      expect(prefs).toContain('<normalize_titles>true</normalize_titles>');
      expect(prefs).toContain('<match_threshold>85</match_threshold>');
      expect(prefs).toContain('<max_retries>3</max_retries>');
      expect(prefs).toContain('<api_base_url>http://api.simdb.example/v3</api_base_url>');

      // The scripts wrote their own reports into each iteration's folder.
      const iteration = join(dir, '.ratchet', 'iterations', '01');
      expect(readFileSync(join(iteration, 'diagnostic_report.md'), 'utf8')).toContain(
        '`lower-match-threshold` (HIGH)',
      );
      expect(readFileSync(join(iteration, 'aggregate.md'), 'utf8')).toContain('searchOps: 150');

      // The token went to the scripts through the environment only.
      expect(result.stdout + result.stderr).not.toContain(token);
      const grep = spawnSync('grep', ['-rl', token, join(dir, '.ratchet')], { encoding: 'utf8' });
      expect(grep.stdout).toBe('');
    } finally {
      await sim.close();
    }
  }, 120_000);
});

describe('the scripts by hand', () => {
  it('compare_metrics.py judges two measurement files on the same items with exact McNemar', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compare-metrics-'));
    const items = (failing: number) =>
      Array.from({ length: 30 }, (_, i) => ({ item: String(i), ok: i >= failing }));
    writeFileSync(
      join(dir, 'before.json'),
      JSON.stringify({ metrics: { errorRecords: 12, searchOps: 30 }, items: items(12) }),
    );
    writeFileSync(
      join(dir, 'after.json'),
      JSON.stringify({ metrics: { errorRecords: 2, searchOps: 30 }, items: items(2) }),
    );
    const result = spawnSync(
      'python3',
      [
        join(EXAMPLES, 'script-phases', 'scripts', 'compare_metrics.py'),
        '--before',
        'before.json',
        '--after',
        'after.json',
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH } },
    );
    expect(result.status, result.stderr).toBe(0);
    const verdict = JSON.parse(result.stdout);
    expect(verdict).toMatchObject({ decision: 'KEEP', rule: 'significant-improvement' });
    // 10 fixed, 0 broken: p = 2 / 2^10
    expect(verdict.rationale).toContain('10 fixed, 0 newly broken, failing 12 -> 2 (+83.3%), p = 0.002');
  });

  it('a script given a request without its required option fails with one clear line and exit code 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aggregate-request-'));
    writeFileSync(
      join(dir, 'request.json'),
      JSON.stringify({
        protocol: 1,
        phase: 'aggregate',
        runDir: dir,
        outDir: dir,
        options: {},
        input: { purpose: 'baseline' },
      }),
    );
    const result = spawnSync(
      'python3',
      [
        join(EXAMPLES, 'script-phases', 'scripts', 'aggregate_plex_logs.py'),
        '--input',
        'request.json',
        '--output',
        'out.json',
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH } },
    );
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: options.logs: the Logs folder is missing (with: { logs: ... } in the config)',
    );
  });
});
