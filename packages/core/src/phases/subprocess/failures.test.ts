import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhaseKind } from '../../contracts/phase.js';
import { createSubprocessPhase } from './create-subprocess-phase.js';
import type { SubprocessPhaseSpec } from './spec.js';
import {
  createWorld,
  expectRatchetError,
  isAlive,
  RecordingLogger,
  type TestWorld,
} from './subprocess.test-helpers.js';

let world: TestWorld;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  world.abort.abort();
  await world.cleanup();
});

const phaseOf = <K extends PhaseKind>(kind: K, spec: SubprocessPhaseSpec) =>
  createSubprocessPhase(kind, spec, { configDir: world.configDir, log: world.log });
const aggregate = (spec: SubprocessPhaseSpec) =>
  phaseOf('aggregate', spec).run({ purpose: 'baseline' }, world.context());
const bash = (script: string, ...args: string[]) => ['bash', '-c', script, 'inline', ...args];

function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function waitFor(path: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.trim() !== '') return text.trim();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} never appeared`);
}

async function expectAllDead(pids: number[]): Promise<void> {
  for (let i = 0; i < 40 && (await Promise.all(pids.map(isAlive))).some(Boolean); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await Promise.all(pids.map(isAlive))).toEqual(pids.map(() => false));
}

describe('a command that fails', () => {
  it('Exiting with code 1 is SUBPROCESS_EXIT with the exit code and the tail of stderr', async () => {
    const error = await expectRatchetError(() =>
      aggregate({ command: bash('echo "loading config" >&2; echo "KeyError: api_key" >&2; exit 1') }),
    );

    expect(error.code).toBe('SUBPROCESS_EXIT');
    expect(error.message).toContain('aggregate phase command "bash" exited with code 1');
    expect(error.message).toContain('  | loading config\n  | KeyError: api_key');
    expect(error.details).toMatchObject({ exitCode: 1, stderrTail: 'loading config\nKeyError: api_key' });
  });

  it('Being killed by a signal it did not get from Ratchet is SUBPROCESS_EXIT naming the signal', async () => {
    const error = await expectRatchetError(() => aggregate({ command: bash('kill -SEGV $$') }));

    expect(error.code).toBe('SUBPROCESS_EXIT');
    expect(error.message).toContain('was killed by SIGSEGV');
  });

  it('Never puts arguments or env values (which may hold a token) into the message', async () => {
    const error = await expectRatchetError(() =>
      aggregate({ command: bash('exit 3', '--token=s3cr3t-token'), env: { PLEX_TOKEN: 'env-s3cr3t' } }),
    );

    expect(error.code).toBe('SUBPROCESS_EXIT');
    expect(JSON.stringify({ m: error.message, d: error.details, h: error.hint })).not.toMatch(/s3cr3t/);
    expect(JSON.stringify(world.log.lines)).not.toMatch(/s3cr3t/);
  });

  it('A command that is not found is SUBPROCESS_SPAWN with ENOENT', async () => {
    const error = await expectRatchetError(() =>
      aggregate({ command: ['ratchet-no-such-program-xyz', '{input}'] }),
    );

    expect(error.code).toBe('SUBPROCESS_SPAWN');
    expect(error.message).toMatch(/the program was not found \(ENOENT\): ratchet-no-such-program-xyz/);
  });

  it('A script that is not executable is SUBPROCESS_SPAWN with EACCES and a chmod hint', async () => {
    await writeFile(join(world.configDir, 'phase.sh'), '#!/bin/sh\necho {}\n', { mode: 0o644 });

    const error = await expectRatchetError(() => aggregate({ command: ['./phase.sh'] }));

    expect(error.code).toBe('SUBPROCESS_SPAWN');
    expect(error.message).toContain('EACCES');
    expect(error.hint).toContain(`chmod +x ${join(world.configDir, 'phase.sh')}`);
  });

  it('A cwd that does not exist is SUBPROCESS_SPAWN naming the folder, not a misleading ENOENT', async () => {
    const error = await expectRatchetError(() => aggregate({ command: ['true'], cwd: 'missing' }));

    expect(error.code).toBe('SUBPROCESS_SPAWN');
    expect(error.message).toContain(`its cwd ${join(world.configDir, 'missing')} is not a folder`);
  });
});

describe('timeouts and aborts', () => {
  it('A timeout stops the command and its children, and is SUBPROCESS_TIMEOUT', async () => {
    const pids = join(world.dir, 'pids');

    const error = await expectRatchetError(() =>
      aggregate({
        command: bash('sleep 300 & echo $$ $! > "$1"; echo "waiting" >&2; sleep 301; echo never', pids),
        timeout: 700,
      }),
    );

    expect(error.code).toBe('SUBPROCESS_TIMEOUT');
    expect(error.message).toContain('did not finish within 700 ms and was stopped with its child processes');
    expect(error.message).toContain('  | waiting');
    await expectAllDead((await readFile(pids, 'utf8')).trim().split(' ').map(Number));
  });

  it('A command that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    const pidFile = join(world.dir, 'pid');
    const error = await expectRatchetError(() =>
      aggregate({
        command: bash('trap "" TERM; echo $$ > "$1"; sleep 300; sleep 300', pidFile),
        timeout: '1s',
        killGrace: '300ms',
      }),
    );

    expect(error.code).toBe('SUBPROCESS_TIMEOUT');
    expect(error.message).toContain('did not finish within 1s');
    expect(error.message).toContain('SIGTERM was ignored: killed with SIGKILL');
    await expectAllDead([Number(await readFile(pidFile, 'utf8'))]);
  });

  it('Aborting the run through ctx.signal stops the command and its children, as INTERRUPTED', async () => {
    const pids = join(world.dir, 'pids');
    const running = aggregate({ command: bash('sleep 300 & echo $$ $! > "$1"; sleep 301', pids) });

    const written = await waitFor(pids);
    world.abort.abort();
    const error = await expectRatchetError(() => running);

    expect(error.code).toBe('INTERRUPTED');
    expect(error.message).toContain('was stopped because the run was interrupted');
    await expectAllDead(written.split(' ').map(Number));
  });

  it('A run that is already aborted starts no process at all', async () => {
    const marker = join(world.dir, 'ran');
    world.abort.abort();

    const error = await expectRatchetError(() => aggregate({ command: bash('touch "$1"', marker) }));

    expect(error.code).toBe('INTERRUPTED');
    await expect(access(marker)).rejects.toThrow(/ENOENT/);
  });

  it('A background process left behind after a successful exit does not hold the phase open', async () => {
    const started = Date.now();
    const result = await aggregate({
      command: bash('(sleep 30 >&2 &); echo "{\\"metrics\\": {\\"done\\": 1}}"'),
    });

    expect(result.metrics).toEqual({ done: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('results that are not valid', () => {
  it('Invalid JSON in the {output} file is SUBPROCESS_BAD_JSON with the line and column where it breaks', async () => {
    const error = await expectRatchetError(() =>
      aggregate({
        command: bash('printf \'{\\n  "metrics": {"records": 3,}\\n}\\n\' > "$1"', '{output}'),
      }),
    );

    expect(error.code).toBe('SUBPROCESS_BAD_JSON');
    expect(error.message).toContain('wrote invalid JSON to the {output} file at line 2, column 28');
    expect(error.message).toContain(`expected a property name in double quotes but found "}"`);
    expect(error.message).toContain('  |   "metrics": {"records": 3,}\n  |                            ^');
    expect(error.details).toMatchObject({ line: 2, column: 28 });
  });

  it('Log lines mixed into stdout are SUBPROCESS_BAD_JSON with a hint to use stderr', async () => {
    const error = await expectRatchetError(() =>
      aggregate({ command: bash('echo "starting..."; echo "{\\"metrics\\": {}}"') }),
    );

    expect(error.code).toBe('SUBPROCESS_BAD_JSON');
    expect(error.message).toContain('wrote invalid JSON to stdout at line 1, column 1');
    expect(error.hint).toContain('send logs and progress to stderr');
  });

  it('An empty stdout is SUBPROCESS_BAD_JSON that says it is empty', async () => {
    const error = await expectRatchetError(() => aggregate({ command: bash('echo "did nothing" >&2') }));

    expect(error.code).toBe('SUBPROCESS_BAD_JSON');
    expect(error.message).toContain('exited with code 0 but stdout is empty');
    expect(error.message).toContain('  | did nothing');
  });

  it('A command that exits 0 without writing {output} is PHASE_INVALID_OUTPUT', async () => {
    const error = await expectRatchetError(() => aggregate({ command: bash('true', '{output}') }));

    expect(error.code).toBe('PHASE_INVALID_OUTPUT');
    expect(error.message).toContain('exited with code 0 but wrote nothing to {output}');
  });

  it('A result that breaks the schema is PHASE_INVALID_OUTPUT with the path and the message of each issue', async () => {
    const diagnose = phaseOf('diagnose', {
      command: bash(
        'echo \'{"fixes": [{"id": "a", "priority": "HIGH"}, {"id": "b", "priority": "URGENT"}]}\'',
      ),
    });

    const error = await expectRatchetError(() =>
      diagnose.run(
        {
          aggregate: { metrics: {}, errorTypes: [] },
          mode: 'full',
          attemptedFixIds: [],
          rolledBackFixIds: [],
        },
        world.context(),
      ),
    );

    expect(error.code).toBe('PHASE_INVALID_OUTPUT');
    expect(error.message).toContain('is not a valid diagnose result: at fixes.1.priority:');
    expect(error.message).toContain('→ at fixes[1].priority');
    expect(error.details?.issues).toEqual([
      { path: ['fixes', '1', 'priority'], message: expect.any(String) },
    ]);
  });

  it('A test result without a decision is PHASE_INVALID_OUTPUT', async () => {
    const test = phaseOf('test', { command: bash('echo \'{"rationale": "looks fine"}\'') });
    const fix = { id: 'f', priority: 'HIGH' as const, targets: [], actions: [] };

    const error = await expectRatchetError(() =>
      test.run(
        {
          fix,
          applied: { fixId: 'f', changes: [] },
          before: { metrics: {}, errorTypes: [] },
          baseline: { metrics: {}, errorTypes: [] },
          objective: { metric: 'x', direction: 'lower' },
        },
        world.context(),
      ),
    );

    expect(error.code).toBe('PHASE_INVALID_OUTPUT');
    expect(error.message).toContain('at decision:');
  });

  it('An implement result for another fix than the one asked is PHASE_INVALID_OUTPUT', async () => {
    const implement = phaseOf('implement', { command: bash('echo \'{"fixId": "something-else"}\'') });

    const error = await expectRatchetError(() =>
      implement.run({ fix: { id: 'asked', priority: 'HIGH', targets: [], actions: [] } }, world.context()),
    );

    expect(error.code).toBe('PHASE_INVALID_OUTPUT');
    expect(error.message).toContain('asked to apply fix "asked" but reported fixId "something-else"');
  });

  it('A failing rollback is SUBPROCESS_EXIT from phase rollback', async () => {
    const implement = phaseOf('implement', {
      command: bash(
        'grep -q \'"phase": "rollback"\' "$1" && { echo "backup missing" >&2; exit 4; }; exit 0',
        '{input}',
      ),
    });

    const error = await expectRatchetError(() =>
      implement.rollback({ fixId: 'asked', changes: [] }, world.context()),
    );

    expect(error.code).toBe('SUBPROCESS_EXIT');
    expect(error.message).toContain('rollback phase command "bash" exited with code 4');
    expect(error.message).toContain('  | backup missing');
  });
});

describe('output that is too large', () => {
  it('Tens of MB of stderr are streamed to the log while retained memory stays under 8 MB and the error keeps a short tail', async () => {
    const countingLog = new RecordingLogger(false);
    const flood = await createWorld(countingLog);
    const lines = 250_000;
    const script = `
import sys
line = ("x" * 95) + "\\n"
for i in range(${lines} // 1000):
    sys.stderr.write(line * 999 + "line %d\\n" % ((i + 1) * 1000))
sys.exit(2)
`;
    // Retained memory, not garbage: collect before each sample, so only what is still referenced counts.
    const collect = forceGc();
    collect();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = 0;
    const sampler = setInterval(() => {
      collect();
      peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
    }, 50);
    try {
      const error = await expectRatchetError(() =>
        createSubprocessPhase(
          'aggregate',
          { command: ['python3', '-c', script] },
          { configDir: flood.configDir, log: flood.log },
        ).run({ purpose: 'baseline' }, flood.context()),
      );
      const stderrBytes = error.details?.stderrBytes as number;

      expect(error.code).toBe('SUBPROCESS_EXIT');
      expect(stderrBytes).toBeGreaterThan(22 * 1024 * 1024);
      expect(countingLog.count).toBe(lines);
      expect(error.message).toMatch(/\(last lines of 2\d\.\d MiB\)/);
      expect(error.message).toContain(`  | line ${lines}`);
      expect(String(error.details?.stderrTail).length).toBeLessThanOrEqual(4096);
      expect(peak).toBeLessThan(8 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
      await flood.cleanup();
    }
  });

  it('A single stderr line of many MB is cut in the log instead of being held whole', async () => {
    await expectRatchetError(() =>
      aggregate({ command: ['python3', '-c', 'import sys; sys.stderr.write("y" * 5_000_000); sys.exit(1)'] }),
    );

    const [line] = world.log.messages('info');
    expect(line?.length).toBeLessThan(17_000);
    expect(line).toContain('[... 4983616 more characters]');
  });

  it('A stdout larger than maxOutputBytes is refused and the command stopped', async () => {
    const error = await expectRatchetError(() =>
      aggregate({
        command: ['python3', '-c', 'print("[" + "1," * 2_000_000 + "1]")'],
        maxOutputBytes: 64 * 1024,
      }),
    );

    expect(error.code).toBe('PHASE_INVALID_OUTPUT');
    expect(error.message).toContain('printed more than 64.0 KiB on stdout and was stopped');
  });

  it('An {output} file larger than maxOutputBytes is refused before it is read', async () => {
    const error = await expectRatchetError(() =>
      aggregate({
        command: [
          'python3',
          '-c',
          'import sys; open(sys.argv[1], "w").write(" " * 300_000 + "{}")',
          '{output}',
        ],
        maxOutputBytes: 100_000,
      }),
    );

    expect(error.code).toBe('PHASE_INVALID_OUTPUT');
    expect(error.message).toContain('wrote 293.0 KiB to {output}, more than the 97.7 KiB accepted');
  });
});

describe('a spec that is not valid', () => {
  it('An empty command is PHASE_OPTIONS_INVALID naming phases.<kind>.command', async () => {
    const error = await expectRatchetError(async () => phaseOf('test', { command: [] }));

    expect(error.code).toBe('PHASE_OPTIONS_INVALID');
    expect(error.message).toMatch(/^phases\.test: command: give the program and its arguments/);
  });

  it('A timeout that is not a duration is PHASE_OPTIONS_INVALID naming phases.<kind>.timeout', async () => {
    const error = await expectRatchetError(async () =>
      phaseOf('diagnose', { command: ['x'], timeout: 'soon' }),
    );

    expect(error.code).toBe('PHASE_OPTIONS_INVALID');
    expect(error.message).toBe('phases.diagnose.timeout: "soon" is not a positive duration');
  });
});
