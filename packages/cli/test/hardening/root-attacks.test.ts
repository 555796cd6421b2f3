import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers.js';
import { runBin, treeHash } from './support.js';

/**
 * The eight attacks of issue 15, each through the real bin as root on a root folder that another
 * user (uid 1234) can write. The attacker's moves happen at known points of the run: in the test
 * phase (judge.json) or while the --approve prompt waits for its answer.
 */

const FIXTURE = join(import.meta.dirname, 'fixtures', 'root-attack');
const USER = 1234;
const ESC = '\x1b';
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  fixes: unknown[];
  judge?: { decision?: 'KEEP' | 'ROLLBACK'; swap?: unknown[] };
  implement?: Record<string, unknown>;
  diagnose?: unknown;
  outDir?: string;
}

function project(setup: Setup): { dir: string; root: string; outside: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-root-attack-'));
  made.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  mkdirSync(join(dir, 'root'));
  mkdirSync(join(dir, 'outside'));
  const outDir = setup.outDir ?? '.ratchet';
  const config = {
    objective: { metric: 'errors', per: 'requests', direction: 'lower' },
    phases: {
      aggregate: { use: './aggregate.mjs' },
      diagnose: setup.diagnose ?? { use: './diagnose.mjs' },
      implement: { use: '@ratchet/phase-implement', with: { roots: ['./root'], ...setup.implement } },
      test: { use: './judge.mjs' },
    },
    priority: 'LOW',
    exit: { maxIterations: 1, plateau: false },
    outDir,
  };
  writeFileSync(join(dir, 'ratchet.config.mjs'), `export default ${JSON.stringify(config, null, 2)};\n`);
  writeFileSync(join(dir, 'fixes.json'), JSON.stringify(setup.fixes));
  writeFileSync(join(dir, 'judge.json'), JSON.stringify(setup.judge ?? { decision: 'KEEP' }));
  return {
    dir,
    root: join(dir, 'root'),
    outside: join(dir, 'outside'),
    out: outDir.startsWith('/') ? outDir : join(dir, outDir),
  };
}

interface Decision {
  fixId: string;
  outcome: string;
  rationale: string;
}

function decisions(out: string): Decision[] {
  const file = join(out, 'decision_log.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { decisions: Decision[] }).decisions;
}

function owned(path: string, mode: number): void {
  chownSync(path, USER, USER);
  chmodSync(path, mode);
}

const modeOf = (path: string) => lstatSync(path).mode & 0o7777;
const ownerOf = (path: string) => `${lstatSync(path).uid}:${lstatSync(path).gid}`;

/**
 * Runs `ratchet run --approve` on a real pseudo-terminal (`script`), calls `atPrompt` once the
 * question is on the screen, then answers yes. Returns everything the terminal showed.
 */
function runWithApproval(
  dir: string,
  atPrompt: () => void,
): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const command = `'${process.execPath}' '${BIN}' run --approve`;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: dir,
      env: { ...process.env, TERM: 'dumb', FORCE_COLOR: '0', CI: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let answered = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit; the screen so far:\n${screen}`));
    }, 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
      if (!answered && screen.includes('[y/N]')) {
        answered = true;
        atPrompt();
        child.stdin.write('y\n');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe('hardening: the implement phase as root on a folder others can write', () => {
  it('1a: a folder swapped for a link while the judge runs: the rollback refuses it and touches nothing outside', async () => {
    const p = project({
      fixes: [{ id: 'clear-cache', actions: [{ type: 'delete', path: 'victimdir/cache' }] }],
      judge: {
        decision: 'ROLLBACK',
        swap: [
          { op: 'rename', from: 'root/victimdir', to: 'root/victimdir-moved' },
          { op: 'symlink', target: '../outside/victimdir', path: 'root/victimdir' },
        ],
      },
    });
    for (const base of [p.root, p.outside]) {
      mkdirSync(join(base, 'victimdir', 'cache'), { recursive: true });
      for (const name of ['a.db', 'b.db'])
        writeFileSync(
          join(base, 'victimdir', 'cache', name),
          `${base === p.root ? 'inside' : 'outside'} ${name}`,
        );
    }
    const outsideBefore = treeHash(join(p.outside, 'victimdir'));
    const run = await runBin(['run', '--json'], { cwd: p.dir, timeoutMs: 90_000 });
    expect(existsSync(join(p.dir, 'judged')), run.stderr).toBe(true);
    expect(treeHash(join(p.outside, 'victimdir'))).toBe(outsideBefore);
    expect(readFileSync(join(p.outside, 'victimdir', 'cache', 'a.db'), 'utf8')).toBe('outside a.db');
    expect(`${run.stdout}${run.stderr}`).toContain('changed since the fix was planned');
    expect(`${run.stdout}${run.stderr}`).toContain('ROLLBACK_FAILED');
    // The deleted folder is still in the backup, whole, for a restore by hand.
    const backup = join(p.out, 'backups', 'clear-cache', 'trees', '0');
    expect(readFileSync(join(backup, 'a.db'), 'utf8')).toBe('inside a.db');
  });

  it('1b: a folder swapped for a link during the --approve prompt: the approved edit never lands outside', async () => {
    const p = project({
      fixes: [
        {
          id: 'retries',
          actions: [{ type: 'edit', file: 'sub/settings.conf', search: 'retries=0', replace: 'retries=3' }],
        },
      ],
    });
    for (const base of [p.root, p.outside]) {
      mkdirSync(join(base, 'sub'));
      writeFileSync(join(base, 'sub', 'settings.conf'), 'retries=0\n');
    }
    const { screen } = await runWithApproval(p.dir, () => {
      renameSync(join(p.root, 'sub'), join(p.root, 'sub-moved'));
      symlinkSync('../outside/sub', join(p.root, 'sub'));
    });
    expect(screen).toContain('Apply fix');
    expect(readFileSync(join(p.outside, 'sub', 'settings.conf'), 'utf8')).toBe('retries=0\n');
    expect(readFileSync(join(p.root, 'sub-moved', 'settings.conf'), 'utf8')).toBe('retries=0\n');
    // The approval is asked before the phase plans; the plan made after the swap refuses the path
    // (or, when the swap lands between plan and apply, the apply sees the folder changed).
    expect(screen).toMatch(/outside the allowed roots|changed since the fix was planned/);
    const decision = decisions(p.out).find((d) => d.fixId === 'retries');
    expect(decision?.outcome).toBe('APPLY_FAILED');
  });

  it('2: backups are never setuid copies, and a folder moved across file systems comes back with its owners', async () => {
    const edit = project({
      fixes: [
        {
          id: 'tool',
          actions: [{ type: 'edit', file: 'tool.sh', search: 'retries=0', replace: 'retries=3' }],
        },
      ],
    });
    writeFileSync(join(edit.root, 'tool.sh'), '#!/bin/sh\nretries=0\n');
    owned(join(edit.root, 'tool.sh'), 0o4755);
    const kept = await runBin(['run'], { cwd: edit.dir, timeoutMs: 90_000 });
    expect(kept.code, kept.stderr).toBe(0);
    const backups = join(edit.out, 'backups');
    const copy = join(backups, 'tool', 'files', '0');
    expect(readFileSync(copy, 'utf8')).toBe('#!/bin/sh\nretries=0\n');
    expect(modeOf(copy) & 0o7000).toBe(0);
    expect(modeOf(copy) & 0o111).toBe(0);
    expect(modeOf(backups) & 0o077).toBe(0);
    const manifest = JSON.parse(readFileSync(join(backups, 'tool', 'manifest.json'), 'utf8'));
    expect(manifest.targets[0]).toMatchObject({ mode: 0o4755, uid: USER, gid: USER });

    // The output folder on tmpfs: deleting a folder moves it across devices, and back on rollback.
    const shm = mkdtempSync(join('/dev/shm', 'ratchet-out-'));
    made.push(shm);
    const moved = project({
      fixes: [{ id: 'drop-bundle', actions: [{ type: 'delete', path: 'bundle' }] }],
      judge: { decision: 'ROLLBACK' },
      outDir: join(shm, 'out'),
    });
    expect(statSync(shm).dev).not.toBe(statSync(moved.root).dev);
    mkdirSync(join(moved.root, 'bundle', 'sub'), { recursive: true });
    writeFileSync(join(moved.root, 'bundle', 'data.db'), 'rows');
    writeFileSync(join(moved.root, 'bundle', 'sub', 'run'), '#!/bin/sh\n');
    owned(join(moved.root, 'bundle'), 0o750);
    owned(join(moved.root, 'bundle', 'data.db'), 0o640);
    owned(join(moved.root, 'bundle', 'sub'), 0o2775);
    owned(join(moved.root, 'bundle', 'sub', 'run'), 0o4755);
    const rolled = await runBin(['run'], { cwd: moved.dir, timeoutMs: 90_000 });
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(decisions(moved.out).find((d) => d.fixId === 'drop-bundle')?.outcome).toBe('ROLLBACK');
    expect(`${rolled.stdout}${rolled.stderr}`).not.toContain('ROLLBACK_FAILED');
    for (const [rel, mode] of [
      ['bundle', 0o750],
      ['bundle/data.db', 0o640],
      ['bundle/sub', 0o2775],
      ['bundle/sub/run', 0o4755],
    ] as const) {
      expect(ownerOf(join(moved.root, rel)), rel).toBe(`${USER}:${USER}`);
      expect(modeOf(join(moved.root, rel)).toString(8), rel).toBe(mode.toString(8));
    }
    expect(readFileSync(join(moved.root, 'bundle', 'data.db'), 'utf8')).toBe('rows');
  });

  it('3: setuid and setgid bits survive an edit, and come back exactly on rollback', async () => {
    const kept = project({
      fixes: [
        { id: 'tool', actions: [{ type: 'edit', file: 'tool', search: 'retries=0', replace: 'retries=3' }] },
      ],
    });
    writeFileSync(join(kept.root, 'tool'), 'retries=0\n');
    owned(join(kept.root, 'tool'), 0o6755);
    const keep = await runBin(['run'], { cwd: kept.dir, timeoutMs: 90_000 });
    expect(keep.code, keep.stderr).toBe(0);
    expect(readFileSync(join(kept.root, 'tool'), 'utf8')).toBe('retries=3\n');
    expect(modeOf(join(kept.root, 'tool')).toString(8)).toBe('6755');
    expect(ownerOf(join(kept.root, 'tool'))).toBe(`${USER}:${USER}`);

    const rolled = project({
      fixes: [
        { id: 'tool', actions: [{ type: 'edit', file: 'tool', search: 'retries=0', replace: 'retries=3' }] },
      ],
      judge: { decision: 'ROLLBACK' },
    });
    writeFileSync(join(rolled.root, 'tool'), 'retries=0\n');
    owned(join(rolled.root, 'tool'), 0o4755);
    const rollback = await runBin(['run'], { cwd: rolled.dir, timeoutMs: 90_000 });
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(`${rollback.stdout}${rollback.stderr}`).not.toContain('ROLLBACK_FAILED');
    expect(readFileSync(join(rolled.root, 'tool'), 'utf8')).toBe('retries=0\n');
    expect(modeOf(join(rolled.root, 'tool')).toString(8)).toBe('4755');
    expect(ownerOf(join(rolled.root, 'tool'))).toBe(`${USER}:${USER}`);
    const manifest = JSON.parse(readFileSync(join(rolled.out, 'backups', 'tool', 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('rolled-back');
  });

  it('4: a hard-linked file is refused with a clear message, and its links stay one file', async () => {
    const p = project({
      fixes: [
        {
          id: 'linked',
          actions: [{ type: 'edit', file: 'a.conf', search: 'retries=0', replace: 'retries=3' }],
        },
      ],
      judge: { decision: 'ROLLBACK' },
    });
    writeFileSync(join(p.root, 'a.conf'), 'retries=0\n');
    linkSync(join(p.root, 'a.conf'), join(p.root, 'b.conf'));
    await runBin(['run'], { cwd: p.dir, timeoutMs: 90_000 });
    const a = statSync(join(p.root, 'a.conf'));
    const b = statSync(join(p.root, 'b.conf'));
    expect(a.ino).toBe(b.ino);
    expect(a.nlink).toBe(2);
    expect(readFileSync(join(p.root, 'b.conf'), 'utf8')).toBe('retries=0\n');
    const decision = decisions(p.out).find((d) => d.fixId === 'linked');
    expect(decision?.outcome).toBe('APPLY_FAILED');
    expect(decision?.rationale).toContain('hard links');
  });

  it('5: a value captured from a log line never becomes an option of a command', async () => {
    const p = project({
      fixes: [],
      implement: { commands: { allow: true } },
      diagnose: { use: '@ratchet/phase-diagnose', with: { rules: ['./rules.json'], builtin: false } },
    });
    writeFileSync(
      join(p.dir, 'rules.json'),
      JSON.stringify({
        version: 1,
        rules: [
          {
            id: 'archive-broken-file',
            title: 'A file the agent cannot open',
            confidence: 0.9,
            match: { text: 'failed to open (?<file>\\S.*)$' },
            rootCause: 'A damaged file',
            fixes: [
              {
                id: 'archive-it',
                name: 'Archive the file',
                actions: [
                  { type: 'command', argv: ['tar', '-cf', 'archive.tar', 'settings.conf', '{{file}}'] },
                ],
              },
            ],
          },
        ],
      }),
    );
    writeFileSync(join(p.root, 'settings.conf'), 'retries=0\n');
    writeFileSync(join(p.dir, 'agent.log'), 'failed to open --use-compress-program=touch PWNED;\n');
    const run = await runBin(['run', '--yes', '--verbose'], { cwd: p.dir, timeoutMs: 90_000 });
    expect(existsSync(join(p.dir, 'judged')) || run.code !== null, run.stderr).toBe(true);
    const everywhere = [
      p.dir,
      ...readdirSync(p.dir, { recursive: true, encoding: 'utf8' }).map((f) => join(p.dir, f)),
    ];
    expect(everywhere.filter((path) => path.endsWith('PWNED'))).toEqual([]);
    expect(existsSync(join(p.root, 'archive.tar'))).toBe(false);
    const report = readFileSync(join(p.out, 'iterations', '01', 'diagnosis.json'), 'utf8');
    expect(report).toContain('would become an option');
  });

  it('6: a command action runs only when the config allows it, with no token in its environment and a root as its folder', async () => {
    const dump = {
      id: 'dump-env',
      actions: [
        {
          type: 'command',
          argv: [
            process.execPath,
            '-e',
            "require('fs').writeFileSync('env.json', JSON.stringify({ env: process.env, cwd: process.cwd() }))",
          ],
        },
      ],
    };
    const refused = project({ fixes: [dump] });
    const first = await runBin(['run', '--yes'], {
      cwd: refused.dir,
      env: { PLEX_TOKEN: 'tok-should-not-leak' },
      timeoutMs: 90_000,
    });
    expect(existsSync(join(refused.root, 'env.json')), first.stderr).toBe(false);
    expect(existsSync(join(refused.dir, 'env.json'))).toBe(false);
    const decision = decisions(refused.out).find((d) => d.fixId === 'dump-env');
    expect(decision?.outcome).toBe('APPLY_FAILED');
    expect(decision?.rationale).toContain('commands are not allowed');

    const allowed = project({ fixes: [dump], implement: { commands: { allow: true, env: { AGENT: 'x' } } } });
    const second = await runBin(['run', '--yes'], {
      cwd: allowed.dir,
      env: { PLEX_TOKEN: 'tok-should-not-leak' },
      timeoutMs: 90_000,
    });
    expect(second.code, second.stderr).toBe(0);
    const seen = JSON.parse(readFileSync(join(allowed.root, 'env.json'), 'utf8')) as {
      env: Record<string, string>;
      cwd: string;
    };
    expect(seen.env.PLEX_TOKEN).toBeUndefined();
    expect(JSON.stringify(seen.env)).not.toContain('tok-should-not-leak');
    expect(seen.env.AGENT).toBe('x');
    expect(realpathSync(seen.cwd)).toBe(realpathSync(allowed.root));
  });

  it('7: an output folder inside a root is refused by validate and run with exit 2, naming both', async () => {
    const p = project({
      fixes: [{ id: 'x', actions: [{ type: 'edit', file: 'settings.conf', search: 'a', replace: 'b' }] }],
      outDir: './root/.ratchet',
    });
    writeFileSync(join(p.root, 'settings.conf'), 'a\n');
    const root = realpathSync(p.root);
    const validate = await runBin(['validate'], { cwd: p.dir, timeoutMs: 60_000 });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('CONFIG_INVALID');
    expect(validate.stderr).toContain(join(root, '.ratchet'));
    expect(validate.stderr).toContain(`implement root ${root}`);
    const run = await runBin(['run', '--yes'], { cwd: p.dir, timeoutMs: 60_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CONFIG_INVALID');
    expect(existsSync(join(p.root, '.ratchet'))).toBe(false);
    expect(readFileSync(join(p.root, 'settings.conf'), 'utf8')).toBe('a\n');
  });

  it('8: escape sequences from a fix are shown, not obeyed, in the --approve prompt', async () => {
    const spoof = `retries=3${ESC}[2K${ESC}[1G${ESC}[A    (no change)`;
    const p = project({
      fixes: [
        {
          id: 'spoof',
          actions: [{ type: 'edit', file: 'settings.conf', search: 'retries=0', replace: spoof }],
        },
      ],
    });
    writeFileSync(join(p.root, 'settings.conf'), 'retries=0\n');
    const { screen } = await runWithApproval(p.dir, () => undefined);
    expect(screen).toContain('Apply fix');
    expect(screen).toContain('\\x1b[2K\\x1b[1G\\x1b[A');
    expect(screen).not.toContain(ESC);
  });
});
