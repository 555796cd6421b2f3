import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fixtureCopy } from '../helpers.js';
import { runBin } from './support.js';

const HARDENING_FIXTURES = join(import.meta.dirname, 'fixtures');

interface Decision {
  fixId: string;
  outcome: string;
  rationale: string;
}

const TRICKY_ARGS = [
  '$(touch dollar)',
  '`touch backtick`',
  '; touch semicolon',
  '| touch pipe',
  '&& touch and',
  '*',
];

function hardeningFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ratchet-${name}-`));
  cpSync(join(HARDENING_FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** The fake-loop project whose test phase is hold-judge.mjs, given extra argv. */
function holdingProject(extraArgs: string[]): string {
  const dir = fixtureCopy('fake-loop');
  copyFileSync(join(HARDENING_FIXTURES, 'hold-judge.mjs'), join(dir, 'hold-judge.mjs'));
  const argv = ['node', './hold-judge.mjs', '{input}', '{output}', ...extraArgs];
  const config = readFileSync(join(dir, 'ratchet.config.mjs'), 'utf8').replace(
    "['python3', './judge.py', '--input', '{input}', '--output', '{output}']",
    JSON.stringify(argv),
  );
  writeFileSync(join(dir, 'ratchet.config.mjs'), config);
  return dir;
}

function escapeProject(): string {
  const dir = hardeningFixture('escape');
  mkdirSync(join(dir, 'root'));
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'root', 'settings.conf'), 'retries=0\n');
  writeFileSync(join(dir, 'outside', 'secret.conf'), 'retries=0\n');
  symlinkSync('../outside', join(dir, 'root', 'link'));
  symlinkSync('../outside/secret.conf', join(dir, 'root', 'linked.conf'));
  return dir;
}

describe('security: what a run may touch, print and render', () => {
  it('refuses fix targets outside the roots, through absolute paths, .. and symlinks, and applies the one inside', async () => {
    const dir = escapeProject();
    const run = await runBin(['run', '--yes', '--json'], { cwd: dir, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(dir, 'outside', 'secret.conf'), 'utf8')).toBe('retries=0\n');
    expect(readFileSync(join(dir, 'root', 'settings.conf'), 'utf8')).toBe('retries=3\n');
    const decisions = (
      JSON.parse(readFileSync(join(dir, '.ratchet', 'decision_log.json'), 'utf8')) as {
        decisions: Decision[];
      }
    ).decisions;
    const refused = decisions.filter((d) => d.fixId.startsWith('escape-'));
    expect(refused.map((d) => d.fixId).sort()).toEqual([
      'escape-absolute',
      'escape-delete-through-link',
      'escape-dotdot',
      'escape-symlinked-file',
      'escape-symlinked-folder',
    ]);
    for (const decision of refused) {
      expect(decision.outcome).toBe('APPLY_FAILED');
      expect(decision.rationale).toContain('ACTION_REFUSED');
      expect(decision.rationale).toMatch(/outside the allowed roots|'\.\.' is not allowed/);
    }
    expect(decisions.find((d) => d.fixId === 'inside-the-root')?.outcome).toBe('KEEP');
  });

  it('renders a title with a script tag from the logs as text in the HTML report', async () => {
    const dir = escapeProject();
    const title = `<script>alert("pwned")</script><img src=x onerror=alert(1)>`;
    writeFileSync(
      join(dir, 'agent.log'),
      `2026-11-24 10:00:00,000 (1a) :  WARN (search:12) - No match found for '${title}'\n`,
    );
    const run = await runBin(['run', '--yes'], { cwd: dir, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const html = readFileSync(join(dir, '.ratchet', 'final_improvement_report.html'), 'utf8');
    expect(html).toContain('Retry the lookup of &lt;script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|<img/i);
    const markdownReports = ['final_improvement_report.md', 'iterations/01/diagnostic_report.md'];
    for (const report of markdownReports) {
      const path = join(dir, '.ratchet', report);
      if (existsSync(path)) expect(readFileSync(path, 'utf8'), report).not.toContain('<script>');
    }
  });

  it('passes argv with shell syntax to a subprocess phase as literal arguments, never through a shell', async () => {
    const dir = holdingProject(TRICKY_ARGS);
    const run = await runBin(['run'], { cwd: dir, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const argv = JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as string[];
    expect(argv.slice(2)).toEqual(TRICKY_ARGS);
    for (const name of ['dollar', 'backtick', 'semicolon', 'pipe', 'and']) {
      expect(existsSync(join(dir, name)), name).toBe(false);
    }
  });

  it('refuses a second ratchet run on the same output folder while the first holds the lock, then lets the first finish', async () => {
    const dir = holdingProject([]);
    writeFileSync(join(dir, 'hold'), '');
    const first = runBin(['run'], { cwd: dir, timeoutMs: 90_000 });
    const lockFile = join(dir, '.ratchet', '.lock');
    for (let waited = 0; !existsSync(lockFile) && waited < 30_000; waited += 50) await sleep(50);
    const owner = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number };
    const second = await runBin(['run'], { cwd: dir, timeoutMs: 30_000 });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('STATE_LOCKED');
    expect(second.stderr).toContain(`pid ${owner.pid}`);
    rmSync(join(dir, 'hold'));
    const finished = await first;
    expect(finished.code, finished.stderr).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });
});
