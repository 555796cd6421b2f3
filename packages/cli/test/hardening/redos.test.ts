import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers.js';
import { runBin } from './support.js';

// Catastrophic on a backtracking engine: 33 a's and a character that fails the match take 2^33 steps.
const EVIL_LINE_FORMAT = '^(?<message>(a+)+)$';
const EVIL_LINE = `${'a'.repeat(33)}!`;

async function evilProject(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-redos-sigint-'));
  mkdirSync(join(dir, 'root'));
  // Enough lines that the phase is still reading when the signals arrive.
  const log = createWriteStream(join(dir, 'evil.log'));
  const chunk = `${EVIL_LINE}\n`.repeat(10_000);
  for (let index = 0; index < 100; index += 1) if (!log.write(chunk)) await once(log, 'drain');
  log.end();
  await once(log, 'close');
  writeFileSync(
    join(dir, 'judge.mjs'),
    "export default function createJudge() { return { name: 'judge', async run(input, ctx) { const after = await ctx.measure({}); return { decision: 'KEEP', rule: 'fixture', rationale: 'kept', after }; } }; }\n",
  );
  writeFileSync(
    join(dir, 'ratchet.config.mjs'),
    `export default {
  objective: { metric: 'errorRecords', per: 'records', direction: 'lower' },
  phases: {
  aggregate: { use: '@ratchet/phase-aggregate', with: { preset: 'generic', logs: ['./evil.log'], lineFormat: ${JSON.stringify(EVIL_LINE_FORMAT)} } },
  diagnose: { use: '@ratchet/phase-diagnose' },
  implement: { use: '@ratchet/phase-implement', with: { roots: ['./root'] } },
  test: { use: './judge.mjs' },
  },
  exit: { maxIterations: 1, plateau: false },
};
`,
  );
  return dir;
}

describe('user regexes cannot hang the loop (ReDoS)', () => {
  it('runs --line-format ^(?<message>(a+)+)$ over 33-character lines to the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-redos-'));
    writeFileSync(join(dir, 'evil.log'), `${EVIL_LINE}\n`.repeat(1000));
    const exit = await runBin(
      [
        'aggregate',
        join(dir, 'evil.log'),
        '--preset',
        'generic',
        '--line-format',
        EVIL_LINE_FORMAT,
        '--format',
        'json',
      ],
      { timeoutMs: 60_000 },
    );
    expect(exit.timedOut).toBe(false);
    expect(exit.code, exit.stderr).toBe(0);
    const result = JSON.parse(exit.stdout) as { metrics: Record<string, number> };
    expect(result.metrics.unparsedLines).toBe(1000);
  });

  it("runs a diagnose rule with text: '^(a+)+$' against a 33-character example to the end", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-redos-'));
    writeFileSync(
      join(dir, 'rules.yaml'),
      `version: 1
rules:
  - id: evil
    title: A rule a backtracking engine never finishes
    match: { text: '^(a+)+$' }
    rootCause: none
    recommendation: { title: never shown }
`,
    );
    const aggregate = {
      window: {},
      metrics: { records: 10, errorRecords: 5 },
      errorTypes: [
        { id: 'unknown:a', category: 'unknown', count: 5, template: EVIL_LINE, examples: [EVIL_LINE] },
      ],
    };
    writeFileSync(join(dir, 'aggregate.json'), JSON.stringify(aggregate));
    const exit = await runBin(
      [
        'diagnose',
        '--input',
        join(dir, 'aggregate.json'),
        '--rules',
        join(dir, 'rules.yaml'),
        '--format',
        'json',
      ],
      { timeoutMs: 60_000 },
    );
    expect(exit.timedOut).toBe(false);
    expect(exit.code, exit.stderr).toBe(0);
    const diagnosis = JSON.parse(exit.stdout) as { needsResearch: Array<{ id: string }> };
    expect(diagnosis.needsResearch.map((entry) => entry.id)).toEqual(['unknown:a']);
  });

  it('refuses, with a coded error and exit 2, a rule pattern no linear-time engine can run and the ReDoS checker finds vulnerable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-redos-'));
    writeFileSync(
      join(dir, 'rules.yaml'),
      `version: 1
rules:
  - id: backreference
    title: T
    match: { text: '^(a|a)*\\1$' }
    rootCause: none
    recommendation: { title: never shown }
`,
    );
    writeFileSync(join(dir, 'aggregate.json'), JSON.stringify({ window: {}, metrics: {}, errorTypes: [] }));
    const exit = await runBin(
      ['diagnose', '--input', join(dir, 'aggregate.json'), '--rules', join(dir, 'rules.yaml')],
      {
        timeoutMs: 60_000,
      },
    );
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('CONFIG_INVALID');
    expect(exit.stderr).toContain('^(a|a)*\\\\1$');
  });

  it('gives a coded error and exit 2 for a rule file that is a YAML "billion laughs" bomb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-redos-'));
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    writeFileSync(join(dir, 'bomb.yaml'), `${levels.join('\n')}\nversion: 1\nrules: *i\n`);
    writeFileSync(join(dir, 'aggregate.json'), JSON.stringify({ window: {}, metrics: {}, errorTypes: [] }));
    const exit = await runBin(
      ['diagnose', '--input', join(dir, 'aggregate.json'), '--rules', join(dir, 'bomb.yaml')],
      {
        timeoutMs: 60_000,
      },
    );
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('CONFIG_INVALID');
    expect(exit.stderr).toContain('bomb.yaml');
  });

  it('stops on Ctrl+C (SIGINT to the real bin) while the aggregate phase works through the evil pattern', async () => {
    const dir = await evilProject();
    const child = spawn(process.execPath, [BIN, 'run', '--yes'], {
      cwd: dir,
      env: { ...process.env, CI: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let signalled = false;
    let second = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      // Once the aggregate phase has started: Ctrl+C twice (the first asks for a stop at the next
      // phase boundary, the second stops now), as a user would.
      if (!signalled && /aggregate .*…/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
      // Signals do not queue: the second is sent once the first was seen (while the phase works).
      if (signalled && !second && /SIGINT: stopping at the next phase boundary/.test(stderr)) {
        second = true;
        child.kill('SIGINT');
      }
    });
    child.stdout.resume();
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    clearTimeout(guard);
    expect(signalled, stderr).toBe(true);
    expect(signal, stderr).toBeNull();
    expect(code, stderr).toBe(130);
    const state = JSON.parse(readFileSync(join(dir, '.ratchet', 'loop_state.json'), 'utf8')) as {
      status: string;
    };
    expect(state.status).not.toBe('finished');
    // The measurement cut short was abandoned, never written nor judged.
    expect(existsSync(join(dir, '.ratchet', 'iterations', '01', 'aggregate.json'))).toBe(false);
    expect(stderr).toContain('stopped before the end of the logs');
  }, 180_000);
  for (const how of ['SIGINT', 'SIGTERM', 'STOP file'] as const) {
    it(`stops the measurement within a second on the first stop request (${how}), pauses, and resume measures again`, async () => {
      const dir = await evilProject();
      const child = spawn(process.execPath, [BIN, 'run', '--yes'], {
        cwd: dir,
        env: { ...process.env, CI: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let asked = false;
      const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr += text;
        // One request only, once the aggregate phase is reading: no second Ctrl+C.
        if (!asked && /aggregate .*…/.test(stderr)) {
          asked = true;
          if (how === 'STOP file') writeFileSync(join(dir, '.ratchet', 'STOP'), '');
          else child.kill(how);
        }
      });
      child.stdout.resume();
      const [code] = (await once(child, 'close')) as [number | null];
      clearTimeout(guard);
      expect(asked, stderr).toBe(true);
      expect(code, stderr).toBe(130);
      const state = JSON.parse(readFileSync(join(dir, '.ratchet', 'loop_state.json'), 'utf8')) as {
        status: string;
        exitCondition: string;
        cursor: { step: string };
      };
      // Paused by the stop, at the measurement it cut short, which was never written nor judged.
      expect(state).toMatchObject({
        status: 'paused',
        exitCondition: 'manual_stop',
        cursor: { step: 'aggregate' },
      });
      expect(existsSync(join(dir, '.ratchet', 'iterations', '01', 'aggregate.json'))).toBe(false);
      expect(stderr).toContain('stopped before the end of the logs');
    }, 180_000);
  }
});
