import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STACK_TRACE } from './hardening/support.js';
import { BIN, fixtureCopy, ratchet } from './helpers.js';

// Issue 14, each case through the real bin on the fixture loop (fixtures/fake-loop).
const SCRIPT_CONFIG = 'ratchet.script.config.mjs';

interface LedgerEntry {
  status: string;
}
interface StateFile {
  status: string;
  dryRun: boolean;
  exitCondition: string | null;
  exitReason: string | null;
  ledger: Record<string, LedgerEntry>;
  cursor: { step: string };
}
interface Decision {
  fixId: string;
  outcome: string;
  rationale: string;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const stateOf = (dir: string) => readJson<StateFile>(join(dir, '.ratchet', 'loop_state.json'));
const decisionsOf = (dir: string) =>
  readJson<{ decisions: Decision[] }>(join(dir, '.ratchet', 'decision_log.json')).decisions;
const appliedOn = (dir: string) =>
  existsSync(join(dir, 'system.json'))
    ? readJson<{ applied: string[] }>(join(dir, 'system.json')).applied.sort()
    : [];
const calls = (dir: string) =>
  existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n') : [];

function scriptLoop(failures: Record<string, unknown> = {}): string {
  const dir = fixtureCopy('fake-loop');
  writeFileSync(join(dir, 'failures.json'), JSON.stringify(failures));
  return dir;
}

/** Runs `ratchet <args> | head -N` in bash; returns ratchet's own exit code and its stderr. */
function pipedToHead(args: string[], dir: string, lines: number, stderrToo = false) {
  return new Promise<{ code: number; stderr: string; stdout: string }>((resolve, reject) => {
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const script = stderrToo
      ? `${quoted} 2>&1 | head -${lines}; echo "exit=\${PIPESTATUS[0]}" >&3`
      : `${quoted} 2>stderr.txt | head -${lines}; echo "exit=\${PIPESTATUS[0]}" >&3`;
    const child = spawn('bash', ['-c', `${script}`], {
      cwd: dir,
      env: { ...process.env, CI: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let fd3 = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stdio[3]?.on('data', (chunk) => {
      fd3 += chunk;
    });
    child.on('error', reject);
    child.on('close', () => {
      const code = Number(/exit=(\d+)/.exec(fd3)?.[1] ?? -1);
      const stderr = stderrToo ? stdout : readFileSync(join(dir, 'stderr.txt'), 'utf8');
      resolve({ code, stderr, stdout });
    });
  });
}

describe('engine v2 through the real bin', () => {
  it('case 1: rolls back every failed subprocess apply (exit 1, bad JSON, a change without action) with phase "rollback"', () => {
    const dir = scriptLoop({ 'fix-broken': 'exit-1', 'fix-retries': 'bad-json', 'fix-cache': 'no-action' });
    const result = ratchet(['run', '--config', SCRIPT_CONFIG], dir);
    expect(result.status, result.stderr).toBe(0);
    // Only the fix the judge kept is left on the system.
    expect(appliedOn(dir)).toEqual(['fix-normalize']);
    for (const fixId of ['fix-broken', 'fix-retries', 'fix-cache']) {
      expect(calls(dir)).toContain(`rollback ${fixId} partial`);
      const decision = decisionsOf(dir).find((d) => d.fixId === fixId);
      expect(decision?.outcome).toBe('APPLY_FAILED');
      expect(decision?.rationale).toContain('rolled back');
      expect(stateOf(dir).ledger[fixId]?.status).toBe('failed');
    }
  });

  it('case 1: stops the run with ROLLBACK_FAILED, naming what may still be changed, when a rollback fails', () => {
    const dir = scriptLoop({ 'fix-broken': 'exit-1', rollbackFails: ['fix-broken'] });
    const result = ratchet(['run', '--config', SCRIPT_CONFIG], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ROLLBACK_FAILED');
    expect(result.stderr).toMatch(/may still hold these fixes: .*fix-broken/);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    const state = stateOf(dir);
    expect(state.status).toBe('failed');
    expect(state.ledger['fix-broken']?.status).toBe('rollback_failed');
    // It never goes on to the next fix on a system in an unknown state.
    const log = calls(dir);
    expect(log.at(-1)).toBe('rollback fix-broken partial');
    expect(log).not.toContain('implement fix-cache');
    expect(decisionsOf(dir).some((d) => d.fixId === 'fix-broken')).toBe(false);
  });

  it('case 1: regression_detected rolls back the kept fixes after the best point and says which', () => {
    const dir = scriptLoop();
    writeFileSync(join(dir, 'force-keep.json'), JSON.stringify(['fix-threshold']));
    const result = ratchet(['run', '--config', SCRIPT_CONFIG, '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const state = stateOf(dir);
    expect(state.exitCondition).toBe('regression_detected');
    expect(state.exitReason).toContain('restored the best known state by rolling back fix-threshold');
    expect(appliedOn(dir)).toEqual([]);
    expect(calls(dir)).toEqual(['implement fix-threshold', 'rollback fix-threshold']);
    expect(decisionsOf(dir).map((d) => `${d.fixId}:${d.outcome}`)).toEqual([
      'fix-threshold:KEEP',
      'fix-threshold:RESTORED',
    ]);
    expect(readFileSync(join(dir, '.ratchet', 'final_improvement_report.md'), 'utf8')).toContain(
      'fix-threshold',
    );
  });

  it('case 1: after a crash inside a subprocess IMPLEMENT, resume has the command roll back before applying again', () => {
    const dir = scriptLoop({ 'fix-cache': 'kill-ratchet' });
    const killed = ratchet(['run', '--config', SCRIPT_CONFIG], dir);
    expect(killed.signal).toBe('SIGKILL');
    expect(stateOf(dir).ledger['fix-cache']?.status).toBe('applying');
    expect(appliedOn(dir)).toContain('fix-cache');
    const resumed = ratchet(['resume'], dir);
    expect(resumed.status, resumed.stderr).toBe(0);
    const log = calls(dir);
    const crashed = log.indexOf('implement fix-cache');
    expect(log.slice(crashed, crashed + 3)).toEqual([
      'implement fix-cache',
      'rollback fix-cache partial',
      'implement fix-cache',
    ]);
    expect(appliedOn(dir)).toEqual(['fix-broken', 'fix-cache', 'fix-normalize', 'fix-retries']);
  });

  it('case 2: a resumed dry run stays a dry run, whatever stopped it', () => {
    const dir = scriptLoop();
    const killed = ratchet(['run', '--config', SCRIPT_CONFIG, '--dry-run'], dir, {
      RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: '12',
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(stateOf(dir).dryRun).toBe(true);
    const resumed = ratchet(['resume'], dir);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('dry run: nothing was changed');
    expect(stateOf(dir).exitCondition).toBe('dry_run_complete');
    expect(appliedOn(dir)).toEqual([]);
    expect(calls(dir).filter((line) => line.startsWith('rollback'))).toEqual([]);
  });

  it('case 3: resume takes over the lock of a dead owner that is still a zombie', async () => {
    const dir = scriptLoop();
    const killed = ratchet(['run'], dir, { RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: '6' });
    expect(killed.signal).toBe('SIGKILL');
    // A parent that never reaps its child keeps the child a zombie: kill(pid, 0) still succeeds on it.
    const parent = spawn('python3', [
      '-c',
      [
        'import os, time',
        'pid = os.fork()',
        'if pid == 0: os._exit(0)',
        'stat = lambda: open(f"/proc/{pid}/stat").read()',
        'while stat()[stat().rindex(")") + 2] != "Z": time.sleep(0.01)',
        'print(pid, flush=True)',
        'time.sleep(60)',
      ].join('\n'),
    ]);
    try {
      const zombie = Number(
        await new Promise<string>((done) => parent.stdout.once('data', (d) => done(String(d)))),
      );
      const stat = readFileSync(`/proc/${zombie}/stat`, 'utf8');
      expect(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)).toBe('Z');
      writeFileSync(
        join(dir, '.ratchet', '.lock'),
        JSON.stringify({ pid: zombie, host: hostname(), startedAt: 'then' }),
      );
      const resumed = ratchet(['resume'], dir);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(stateOf(dir).status).toBe('finished');
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('case 3: recognizes a lock whose pid now belongs to another process by its start time', () => {
    const dir = scriptLoop();
    const killed = ratchet(['run'], dir, { RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: '6' });
    expect(killed.signal).toBe('SIGKILL');
    // The pid is alive (this test process), but it started at another time than the lock's owner.
    writeFileSync(
      join(dir, '.ratchet', '.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'then', processStart: '1' }),
    );
    const resumed = ratchet(['resume'], dir);
    expect(resumed.status, resumed.stderr).toBe(0);
  });

  it('case 3: refuses `run` over an unfinished run with RUN_UNFINISHED, and `abandon` lets a new run start', () => {
    const dir = scriptLoop();
    const killed = ratchet(['run', '--config', SCRIPT_CONFIG], dir, {
      RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: '14',
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(stateOf(dir).status).toBe('running');
    const refused = ratchet(['run', '--config', SCRIPT_CONFIG], dir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('RUN_UNFINISHED');
    expect(refused.stderr).not.toContain('STATE_LOCKED');
    const status = ratchet(['status'], dir);
    expect(status.stdout).toContain('the process that ran it is gone');
    const abandoned = ratchet(['abandon'], dir);
    expect(abandoned.status, abandoned.stderr).toBe(0);
    expect(abandoned.stdout).toContain('abandoned the run');
    expect(stateOf(dir).status).toBe('abandoned');
    expect(ratchet(['resume'], dir).stderr).toContain('RUN_ABANDONED');
    const fresh = ratchet(['run', '--config', SCRIPT_CONFIG], dir);
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(stateOf(dir).status).toBe('finished');
  });

  it('case 3: `abandon` is refused while the run process is alive', () => {
    const dir = scriptLoop();
    const killed = ratchet(['run'], dir, { RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: '6' });
    expect(killed.signal).toBe('SIGKILL');
    writeFileSync(
      join(dir, '.ratchet', '.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'now' }),
    );
    const result = ratchet(['abandon'], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('STATE_LOCKED');
    expect(stateOf(dir).status).toBe('running');
  });

  it('case 4: a refused run leaves the paused run its run_config.json, and archiving keeps it', () => {
    const dir = scriptLoop();
    const killed = ratchet(['run', '--config', SCRIPT_CONFIG], dir, {
      RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: '8',
    });
    expect(killed.signal).toBe('SIGKILL');
    const runConfig = join(dir, '.ratchet', 'run_config.json');
    const before = readFileSync(runConfig, 'utf8');
    expect(before).toContain(SCRIPT_CONFIG);
    const refused = ratchet(['run', '--config', 'ratchet.config.mjs'], dir);
    expect(refused.stderr).toContain('RUN_UNFINISHED');
    expect(readFileSync(runConfig, 'utf8')).toBe(before);
    // The resumed run goes on with the config it started with: the Python implement phase.
    expect(ratchet(['resume'], dir).status).toBe(0);
    expect(calls(dir).length).toBeGreaterThan(0);
    const { runId } = readJson<{ runId: string }>(join(dir, '.ratchet', 'loop_state.json'));
    expect(ratchet(['run', '--config', 'ratchet.config.mjs'], dir).status).toBe(0);
    expect(readFileSync(join(dir, '.ratchet', 'previous', runId, 'run_config.json'), 'utf8')).toBe(before);
    expect(readFileSync(runConfig, 'utf8')).toContain('"source"');
    expect(readFileSync(runConfig, 'utf8')).not.toContain(SCRIPT_CONFIG);
  });

  it('case 5: `ratchet run | head -0` ends quietly with the state saved', async () => {
    const dir = scriptLoop();
    const result = await pipedToHead(['run', '--json'], dir, 0);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.code).toBe(0);
    expect(stateOf(dir).status).toBe('finished');
  });

  it('case 5: `ratchet run 2>&1 | head -1` stops at a phase boundary, and resume finishes the run', async () => {
    const dir = scriptLoop();
    const result = await pipedToHead(['run'], dir, 1, true);
    expect(result.code).toBe(130);
    const state = stateOf(dir);
    expect(state.status).toBe('paused');
    expect(state.exitCondition).toBe('manual_stop');
    const resumed = ratchet(['resume'], dir);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(stateOf(dir).status).toBe('finished');
  });

  it('case 6: resume verifies every journal line and names an edited one by its line number', () => {
    const dir = scriptLoop();
    const killed = ratchet(['run'], dir, { RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: '10' });
    expect(killed.signal).toBe('SIGKILL');
    const journal = join(dir, '.ratchet', 'journal.jsonl');
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"step:', '"STEP:');
    writeFileSync(journal, `${lines.join('\n')}0123456789abcdef {"seq":11,"at":"2026-`);
    const resumed = ratchet(['resume'], dir);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('journal: line(s) 4 of');
    expect(resumed.stderr).toContain('fail their checksum');
    expect(resumed.stderr).toContain('torn last line');
  });

  it('case 7: a class phase gets TOKENS.Logger and TOKENS.Config injected from the run container', () => {
    const dir = scriptLoop();
    const tsyringe = createRequire(join(import.meta.dirname, '..', '..', 'core', 'package.json')).resolve(
      'tsyringe',
    );
    writeFileSync(
      join(dir, 'di-diagnose.mjs'),
      `import tsyringe from ${JSON.stringify(tsyringe)};
import diagnose from './diagnose.mjs';
class InjectedDiagnose {
  constructor(log, config) {
    this.name = 'injected-diagnose';
    this.log = log;
    this.config = config;
  }
  async run(input, ctx) {
    this.log.warn('injected: objective ' + this.config.objective.metric + ' per ' + this.config.objective.per);
    return diagnose.run(input, ctx);
  }
}
tsyringe.inject(Symbol.for('ratchet.logger'))(InjectedDiagnose, undefined, 0);
tsyringe.inject(Symbol.for('ratchet.config'))(InjectedDiagnose, undefined, 1);
export default tsyringe.injectable()(InjectedDiagnose) ?? InjectedDiagnose;
`,
    );
    writeFileSync(
      join(dir, 'ratchet.di.config.mjs'),
      `import base from './ratchet.config.mjs';
export default { ...base, phases: { ...base.phases, diagnose: { use: './di-diagnose.mjs' } } };
`,
    );
    const result = ratchet(['run', '--config', 'ratchet.di.config.mjs'], dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('injected: objective errors per requests');
  });

  it('refuses a loop_state.json of version 1 with STATE_VERSION', () => {
    const dir = scriptLoop();
    expect(ratchet(['run'], dir, { RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: '6' }).signal).toBe('SIGKILL');
    const file = join(dir, '.ratchet', 'loop_state.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version": 2', '"version": 1'));
    const result = ratchet(['resume'], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('STATE_VERSION');
    expect(result.stderr).toContain('version 1');
  });
});
