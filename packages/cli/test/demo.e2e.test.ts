import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderPage } from '../../../test-support/chromium.js';
import { BIN, ratchet } from './helpers.js';

// A token no file may contain: the demo uses PLEX_TOKEN when it is set.
const TOKEN = 'demo-secret-token-3f9c2a7e';

interface DemoOutcome {
  outcome: string;
  status: string;
  exitCondition: string;
  fixesSuccessful: string[];
  fixesRolledBack: string[];
  improvementPct: number;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile());
}

/** Starts `ratchet demo`, kills it with SIGKILL shortly after the given phase starts. */
function killDuring(
  dir: string,
  phase: string,
  occurrence: number,
): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', '--out', dir], {
      env: { ...process.env, CI: '1', PLEX_TOKEN: TOKEN },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let seen = 0;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const starts = stderr
        .split('\n')
        .filter((line) => line.startsWith(`  ${phase} `) && line.endsWith('…')).length;
      if (starts >= occurrence && seen < occurrence) {
        seen = starts;
        setTimeout(() => child.kill('SIGKILL'), 150);
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ signal, stderr }));
  });
}

describe('ratchet demo (the whole loop against the Plex simulator, through the real bin)', () => {
  let reference: DemoOutcome;
  let referenceDir: string;

  beforeAll(() => {
    referenceDir = mkdtempSync(join(tmpdir(), 'ratchet-demo-'));
    const result = ratchet(
      ['demo', '--out', referenceDir, '--json'],
      referenceDir,
      { PLEX_TOKEN: TOKEN },
      300_000,
    );
    expect(result.status, result.stderr).toBe(0);
    reference = JSON.parse(result.stdout) as DemoOutcome;
  }, 320_000);

  it('improves the objective, keeps the real fixes and never tries the alternatives of a kept fix', () => {
    expect(reference.status).toBe('finished');
    expect(['plateau_detected', 'all_fixes_attempted']).toContain(reference.exitCondition);
    expect(reference.improvementPct).toBeGreaterThan(50);
    expect(reference.fixesSuccessful).toEqual(
      expect.arrayContaining(['simdb-normalize-titles', 'simdb-api-v3']),
    );
    const decisions = JSON.parse(readFileSync(join(referenceDir, 'run', 'decision_log.json'), 'utf8'))
      .decisions as {
      fixId: string;
      outcome: string;
      rationale: string;
    }[];
    // The tempting lower threshold is the alternative of title normalisation: once that is kept, it
    // is never applied (the old engine applied it when a later diagnosis proposed it again).
    expect(decisions.map((d) => d.fixId)).not.toContain('simdb-lower-match-threshold');
    expect(decisions.map((d) => d.outcome)).toContain('KEEP');
    for (const decision of decisions) expect(decision.rationale).toMatch(/Success indicators met: \d of \d/);
    // The sequential test decides every fix of the demo without pausing, and says what it took.
    expect(decisions.map((d) => d.outcome)).not.toContain('MONITOR');
    for (const decision of decisions) expect(decision.rationale).toMatch(/Evidence: \d+ rounds?, \d+ items/);
    const report = readFileSync(join(referenceDir, 'run', 'final_improvement_report.md'), 'utf8');
    expect(report).toMatch(/- \*\*Evidence:\*\* \d+ rounds?, \d+ items/);
  });

  it('writes complete state, journal, decision log, reports and per-iteration files', () => {
    const run = join(referenceDir, 'run');
    const names = readdirSync(run);
    for (const file of [
      'loop_state.json',
      'journal.jsonl',
      'decision_log.json',
      'final_improvement_report.md',
      'final_improvement_report.html',
      'run_config.json',
      'iterations',
      'backups',
    ]) {
      expect(names, file).toContain(file);
    }
    const first = readdirSync(join(run, 'iterations', '01'));
    for (const file of [
      'aggregate.json',
      'aggregate.md',
      'diagnosis.json',
      'diagnostic_report.md',
      'implementation.json',
      'test.json',
      'test_report.md',
      'summary.md',
    ]) {
      expect(first, file).toContain(file);
    }
    const markdown = readFileSync(join(run, 'final_improvement_report.md'), 'utf8');
    expect(markdown).toContain('simdb-normalize-titles');
    expect(markdown).not.toMatch(/\bNaN\b|undefined|TODO/);
  });

  it('writes the token into no file, neither in the run nor in the simulator data', () => {
    const leaks = filesUnder(referenceDir).filter((file) => readFileSync(file).includes(TOKEN));
    expect(leaks).toEqual([]);
  });

  it('renders the HTML report with its charts in headless Chromium', async () => {
    const html = pathToFileURL(join(referenceDir, 'run', 'final_improvement_report.html')).href;
    const { dom } = await renderPage(html);
    expect((dom.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(dom).toContain('simdb-normalize-titles');
    expect(dom).not.toContain('<script');
  }, 120_000);

  for (const [phase, occurrence] of [
    ['aggregate', 1],
    ['diagnose', 1],
    ['pretest', 2],
    ['implement', 2],
    ['test', 2],
  ] as const) {
    it(`resumes after a SIGKILL during ${phase} and keeps the same fixes as the uninterrupted run`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `ratchet-demo-kill-${phase}-`));
      const killed = await killDuring(dir, phase, occurrence);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const resumed = ratchet(['demo', '--out', dir, '--json'], dir, { PLEX_TOKEN: TOKEN }, 300_000);
      expect(resumed.status, resumed.stderr).toBe(0);
      const outcome = JSON.parse(resumed.stdout) as DemoOutcome;
      expect(outcome.fixesSuccessful.sort()).toEqual([...reference.fixesSuccessful].sort());
      expect(outcome.fixesRolledBack.sort()).toEqual([...reference.fixesRolledBack].sort());
      expect(outcome.exitCondition).toBe(reference.exitCondition);
    }, 320_000);
  }
});
