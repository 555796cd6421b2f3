import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSubprocessPhase } from './create-subprocess-phase.js';
import { parseProgressLine, substitutePlaceholders } from './protocol.js';
import { createWorld, type TestWorld } from './subprocess.test-helpers.js';

// A Python phase that reports what it was given: the request, its argv, env, cwd and file modes.
const INTROSPECT = `
import json, os, stat, sys
args = sys.argv[1:]
request_path = os.environ["RATCHET_INPUT"]
with open(request_path) as f:
    request = json.load(f)
seen = {
    "request": request,
    "argv": args,
    "cwd": os.getcwd(),
    "env": {k: v for k, v in os.environ.items() if k.startswith("RATCHET_") or k in ("GREETING", "HOME")},
    "inputMode": oct(stat.S_IMODE(os.stat(request_path).st_mode)),
    "folderMode": oct(stat.S_IMODE(os.stat(os.path.dirname(request_path)).st_mode)),
}
with open(os.path.join(request["runDir"], "seen.json"), "w") as f:
    json.dump(seen, f)
result = json.dumps({"metrics": {"ok": 1}})
if "RATCHET_OUTPUT" in os.environ:
    with open(os.environ["RATCHET_OUTPUT"], "w") as f:
        f.write(result)
else:
    print(result)
`;

let world: TestWorld;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const bash = (script: string, ...args: string[]) => ['bash', '-c', script, 'inline', ...args];

async function seenBy(runDir: string) {
  return JSON.parse(await readFile(join(runDir, 'seen.json'), 'utf8'));
}

describe('the subprocess protocol, version 1', () => {
  it('Writes protocol, phase, iteration, runDir, options and input to the {input} file', async () => {
    const phase = createSubprocessPhase(
      'aggregate',
      {
        command: [
          'python3',
          '-c',
          INTROSPECT,
          '--in={input}',
          '--out',
          '{output}',
          'run={runDir}',
          '{iteration}',
        ],
        with: { logs: ['/var/log/a.log'], since: '24h' },
      },
      { configDir: world.configDir, log: world.log },
    );
    const ctx = world.context(7);

    const result = await phase.run({ purpose: 'test', window: { start: '2024-01-01T00:00:00.000Z' } }, ctx);

    const seen = await seenBy(ctx.runDir);
    expect(result.metrics).toEqual({ ok: 1 });
    expect(seen.request).toEqual({
      protocol: 1,
      phase: 'aggregate',
      iteration: 7,
      runDir: ctx.runDir,
      outDir: ctx.outDir,
      options: { logs: ['/var/log/a.log'], since: '24h' },
      input: { purpose: 'test', window: { start: '2024-01-01T00:00:00.000Z' } },
    });
    expect(seen.argv).toEqual([
      `--in=${seen.env.RATCHET_INPUT}`,
      '--out',
      seen.env.RATCHET_OUTPUT,
      `run=${ctx.runDir}`,
      '7',
    ]);
    expect(seen.env).toMatchObject({
      RATCHET_PROTOCOL: '1',
      RATCHET_PHASE: 'aggregate',
      RATCHET_ITERATION: '7',
    });
  });

  it('Keeps the request private (0600 in a 0700 folder) and removes it after the call', async () => {
    const phase = createSubprocessPhase(
      'aggregate',
      { command: ['python3', '-c', INTROSPECT, '{input}', '{output}'] },
      { configDir: world.configDir, log: world.log },
    );
    const ctx = world.context();

    await phase.run({ purpose: 'baseline' }, ctx);

    const seen = await seenBy(ctx.runDir);
    expect(seen.inputMode).toBe('0o600');
    expect(seen.folderMode).toBe('0o700');
    await expect(access(seen.env.RATCHET_INPUT)).rejects.toThrow(/ENOENT/);
  });

  it('Reads the result from stdout when {output} is not in the command, and then sets no RATCHET_OUTPUT', async () => {
    const phase = createSubprocessPhase(
      'aggregate',
      { command: ['python3', '-c', INTROSPECT, '{input}'] },
      { configDir: world.configDir, log: world.log },
    );
    const ctx = world.context();

    const result = await phase.run({ purpose: 'baseline' }, ctx);

    expect(result).toEqual({ metrics: { ok: 1 }, errorTypes: [] });
    expect((await seenBy(ctx.runDir)).env.RATCHET_OUTPUT).toBeUndefined();
  });

  it('Runs in the config folder by default, in cwd (relative to the config folder) when given, with env added', async () => {
    await mkdir(join(world.configDir, 'work'));
    const ctx = world.context();
    const run = async (spec: { cwd?: string; env?: Record<string, string> }) => {
      await createSubprocessPhase(
        'aggregate',
        { command: ['python3', '-c', INTROSPECT, '{input}', '{output}'], ...spec },
        { configDir: world.configDir, log: world.log },
      ).run({ purpose: 'baseline' }, ctx);
      return seenBy(ctx.runDir);
    };

    const byDefault = await run({});
    const inWork = await run({ cwd: 'work', env: { GREETING: 'hello from the config' } });

    expect(byDefault.cwd).toBe(world.configDir);
    expect(byDefault.env.GREETING).toBeUndefined();
    expect(inWork.cwd).toBe(join(world.configDir, 'work'));
    expect(inWork.env.GREETING).toBe('hello from the config');
    expect(inWork.env.HOME).toBe(process.env.HOME);
  });

  it('Resolves a ./program against the config folder even when cwd is elsewhere', async () => {
    await mkdir(join(world.configDir, 'elsewhere'));
    const script = join(world.configDir, 'phase.sh');
    await writeFile(
      script,
      '#!/usr/bin/env bash\necho "{\\"metrics\\": {\\"pwdLength\\": $(printf %s "$PWD" | wc -c)}}"\n',
      {
        mode: 0o755,
      },
    );
    const phase = createSubprocessPhase(
      'aggregate',
      { command: ['./phase.sh'], cwd: 'elsewhere' },
      { configDir: world.configDir, log: world.log },
    );

    const result = await phase.run({ purpose: 'baseline' }, world.context());

    expect(result.metrics.pwdLength).toBe(join(world.configDir, 'elsewhere').length);
    expect(phase.name).toBe('command:phase.sh');
  });

  it('Creates the iteration folder before the command runs', async () => {
    const ctx = world.context(12);
    await createSubprocessPhase(
      'aggregate',
      { command: ['bash', '-c', 'touch "$RATCHET_RUN_DIR/made-it"; echo "{\\"metrics\\": {}}"'] },
      { configDir: world.configDir, log: world.log },
    ).run({ purpose: 'baseline' }, ctx);

    expect((await stat(join(ctx.runDir, 'made-it'))).isFile()).toBe(true);
  });

  it('Logs each stderr line with the phase name, and stdout lines at debug level when the result goes to a file', async () => {
    await createSubprocessPhase(
      'aggregate',
      {
        command: [
          'bash',
          '-c',
          'printf "first\\r\\nsecond\\nno newline" >&2; echo progress 50%; echo "{\\"metrics\\": {}}" > "$1"',
          'inline',
          '{output}',
        ],
      },
      { configDir: world.configDir, log: world.log },
    ).run({ purpose: 'baseline' }, world.context());

    expect(world.log.messages('info')).toEqual([
      '[aggregate] first',
      '[aggregate] second',
      '[aggregate] no newline',
    ]);
    expect(world.log.messages('debug')).toContain('[aggregate] progress 50%');
    expect(world.log.lines.find((line) => line.level === 'info')?.data).toMatchObject({
      phase: 'aggregate',
      stream: 'stderr',
    });
  });
});

describe('progress lines', () => {
  it('Turns "::progress::" stderr lines into ctx.progress calls instead of log lines', async () => {
    const calls: Array<[string, number | undefined, number | undefined]> = [];
    const ctx = {
      ...world.context(),
      progress: (m: string, d?: number, t?: number) => calls.push([m, d, t]),
    };

    await createSubprocessPhase(
      'aggregate',
      {
        command: bash(
          'for i in 1 2; do echo "::progress:: $i/2 reading file $i" >&2; done; ' +
            'echo "::progress:: summing up" >&2; echo "normal line" >&2; echo \'{"metrics": {}}\'',
        ),
      },
      { configDir: world.configDir, log: world.log },
    ).run({ purpose: 'baseline' }, ctx);

    expect(calls).toEqual([
      ['reading file 1', 1, 2],
      ['reading file 2', 2, 2],
      ['summing up', undefined, undefined],
    ]);
    expect(world.log.messages('info')).toEqual(['[aggregate] normal line']);
  });

  it('Reads the counts only when both are given, and leaves other lines alone', () => {
    expect(parseProgressLine('::progress:: 3/10')).toEqual({ message: '', done: 3, total: 10 });
    expect(parseProgressLine('::progress::5/9 x')).toEqual({ message: 'x', done: 5, total: 9 });
    expect(parseProgressLine('::progress:: 2024/05/01 logs')).toEqual({ message: '2024/05/01 logs' });
    expect(parseProgressLine('progress: 3/10')).toBeUndefined();
    expect(parseProgressLine(' ::progress:: 3/10')).toBeUndefined();
  });
});

describe('placeholders', () => {
  it('Replaces every known placeholder inside arguments and leaves other braces alone', () => {
    const values = {
      input: '/t/in.json',
      output: '/t/out.json',
      runDir: '/o/iterations/02',
      outDir: '/o',
      configDir: '/c',
      iteration: 2,
      phase: 'test' as const,
    };

    expect(
      substitutePlaceholders(
        [
          '--input={input}',
          '{output}',
          '{runDir}/x',
          '{outDir}{configDir}',
          '#{iteration}',
          '{phase}',
          '{"a":1}',
          '{unknown}',
        ],
        values,
      ),
    ).toEqual([
      '--input=/t/in.json',
      '/t/out.json',
      '/o/iterations/02/x',
      '/o/c',
      '#2',
      'test',
      '{"a":1}',
      '{unknown}',
    ]);
  });
});
