import { chmod, lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createTwoFilesPatch } from 'diff';
import { afterEach, describe, expect, it } from 'vitest';
import createImplementPhase from '../index.js';
import {
  factoryContext,
  fix,
  phaseContext,
  snapshot,
  type TestFolder,
  testFolder,
} from '../test-support/context.test-helpers.js';
import { readManifest } from '../transaction/manifest.js';

const PREFS = 'Plug-in Support/Preferences/com.plexapp.agents.simdb.xml';
const SIM_PREFS =
  '<PluginPreferences><normalize_titles>false</normalize_titles><match_threshold>85</match_threshold><max_retries>0</max_retries></PluginPreferences>\n';

let folder: TestFolder;
afterEach(() => folder?.cleanup());

function phaseFor(options: Record<string, unknown> = {}, settings: Record<string, unknown> = {}, deps = {}) {
  return createImplementPhase(
    { roots: ['system'], commands: { allow: true }, ...options },
    factoryContext(folder.root, settings),
    deps,
  );
}

describe('the implement phase applies each action to real files', () => {
  it('sets a Plex agent preference and keeps the rest of the file byte for byte', async () => {
    folder = await testFolder({ [PREFS]: SIM_PREFS });
    const applied = await phaseFor().run(
      {
        fix: fix('normalize', [
          { type: 'set-pref', bundleId: 'com.plexapp.agents.simdb', key: 'normalize_titles', value: 'true' },
        ]),
      },
      phaseContext(folder),
    );
    expect(await readFile(join(folder.system, PREFS), 'utf8')).toBe(SIM_PREFS.replace('>false<', '>true<'));
    expect(applied.changes).toHaveLength(1);
    expect(applied.changes[0]).toMatchObject({ action: 'set-pref', path: join(folder.system, PREFS) });
    expect(applied.changes[0]?.hashBefore).not.toBe(applied.changes[0]?.hashAfter);
  });

  it('creates the preferences file and its folders when the agent has none yet, and rollback removes them', async () => {
    folder = await testFolder({ 'Metadata/keep.txt': 'x' });
    const before = await snapshot(folder.system);
    const phase = phaseFor();
    const applied = await phase.run(
      {
        fix: fix('retries', [
          { type: 'set-pref', bundleId: 'com.plexapp.agents.simdb', key: 'max_retries', value: 3 },
        ]),
      },
      phaseContext(folder),
    );
    expect(await readFile(join(folder.system, PREFS), 'utf8')).toBe(
      '<PluginPreferences><max_retries>3</max_retries></PluginPreferences>\n',
    );
    await phase.rollback(applied, phaseContext(folder));
    expect(await snapshot(folder.system)).toEqual(before);
  });

  it('edits, patches and sets JSON values in sequence, even twice on the same file', async () => {
    const conf = 'retries = 0\ninterval = 0\nhost = v2\n';
    folder = await testFolder({ 'agent.conf': conf, 'settings.json': '{\n  "a": 1,\n  "b": [1, 2]\n}\n' });
    const diff = createTwoFilesPatch(
      'agent.conf',
      'agent.conf',
      conf.replace('retries = 0', 'retries = 3'),
      conf.replace('retries = 0', 'retries = 3').replace('host = v2', 'host = v3'),
    );
    await phaseFor().run(
      {
        fix: fix('three-actions', [
          { type: 'edit', file: 'agent.conf', search: 'retries = 0', replace: 'retries = 3' },
          { type: 'patch', file: 'agent.conf', diff },
          { type: 'json-set', file: 'settings.json', path: 'c.d', value: [true] },
          { type: 'edit', file: 'settings.json', search: '"a": \\d+', replace: '"a": 2', regex: true },
        ]),
      },
      phaseContext(folder),
    );
    expect(await readFile(join(folder.system, 'agent.conf'), 'utf8')).toBe(
      'retries = 3\ninterval = 0\nhost = v3\n',
    );
    expect(JSON.parse(await readFile(join(folder.system, 'settings.json'), 'utf8'))).toEqual({
      a: 2,
      b: [1, 2],
      c: { d: [true] },
    });
  });

  it('keeps the mode of a file it rewrites', async () => {
    folder = await testFolder({ 'bin/run.sh': { content: '#!/bin/sh\nexit 0\n', mode: 0o750 } });
    await phaseFor().run(
      {
        fix: fix('edit-script', [{ type: 'edit', file: 'bin/run.sh', search: 'exit 0', replace: 'exit 1' }]),
      },
      phaseContext(folder),
    );
    expect((await stat(join(folder.system, 'bin/run.sh'))).mode & 0o777).toBe(0o750);
  });

  it('runs a command as an argv without a shell, in the given folder', async () => {
    folder = await testFolder({ 'work/.keep': '' });
    await phaseFor().run(
      {
        fix: fix('touch', [
          {
            type: 'command',
            argv: [
              process.execPath,
              '-e',
              "require('fs').writeFileSync('made-by-command.txt', process.argv[1])",
              '$HOME; echo not-a-shell',
            ],
            cwd: 'work',
          },
        ]),
      },
      phaseContext(folder),
    );
    expect(await readFile(join(folder.system, 'work/made-by-command.txt'), 'utf8')).toBe(
      '$HOME; echo not-a-shell',
    );
  });

  it('refuses a command unless the config allows commands, and gives it only PATH, LANG and the env listed', async () => {
    folder = await testFolder({ 'work/.keep': '' });
    const dump = {
      type: 'command',
      argv: [process.execPath, '-e', "require('fs').writeFileSync('env.json', JSON.stringify(process.env))"],
      cwd: 'work',
    };
    await expect(
      phaseFor({ commands: { allow: false } }).run({ fix: fix('env', [dump]) }, phaseContext(folder)),
    ).rejects.toMatchObject({ code: 'ACTION_REFUSED', message: expect.stringContaining('not allowed') });
    process.env.PLEX_TOKEN_FOR_TEST = 'secret-value';
    try {
      await phaseFor({ commands: { allow: true, env: { AGENT_MODE: 'safe' } } }).run(
        { fix: fix('env', [dump]) },
        phaseContext(folder),
      );
    } finally {
      delete process.env.PLEX_TOKEN_FOR_TEST;
    }
    const env = JSON.parse(await readFile(join(folder.system, 'work/env.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(Object.keys(env).sort()).toEqual(['AGENT_MODE', 'LANG', 'PATH']);
    expect(env.AGENT_MODE).toBe('safe');
    expect(env.PLEX_TOKEN_FOR_TEST).toBeUndefined();
    expect(env.HOME).toBeUndefined();
  });
});

describe('rollback', () => {
  it('restores exact bytes and modes, including a deleted folder with nested files and modes', async () => {
    folder = await testFolder({
      [PREFS]: SIM_PREFS,
      'Metadata/Movies/a/abc.bundle/Contents/com.plexapp.agents.simdb/Info.xml': '<broken',
      'Metadata/Movies/a/abc.bundle/Contents/com.plexapp.agents.simdb/posters/p1': {
        content: new Uint8Array([0, 255, 1, 2]),
        mode: 0o600,
      },
      'Metadata/Movies/a/abc.bundle/Contents/run.sh': { content: 'x', mode: 0o755 },
      'cache/blob.bin': { content: new Uint8Array([9, 9, 9, 0]), mode: 0o640 },
      'config.json': { content: '{"x": 1}', mode: 0o604 },
    });
    await chmod(join(folder.system, 'Metadata/Movies/a/abc.bundle/Contents'), 0o711);
    const before = await snapshot(folder.system);
    const phase = phaseFor();
    const applied = await phase.run(
      {
        fix: fix('clear-corrupt-bundles:com.plexapp.agents.simdb', [
          { type: 'delete', path: 'Metadata/Movies/a/abc.bundle' },
          { type: 'delete', path: 'cache/blob.bin' },
          { type: 'json-set', file: 'config.json', path: 'x', value: 2 },
          { type: 'set-pref', bundleId: 'com.plexapp.agents.simdb', key: 'match_threshold', value: '60' },
        ]),
      },
      phaseContext(folder),
    );
    expect(
      await lstat(join(folder.system, 'Metadata/Movies/a/abc.bundle')).catch(() => undefined),
    ).toBeUndefined();
    expect(await lstat(join(folder.system, 'cache/blob.bin')).catch(() => undefined)).toBeUndefined();
    // The agent writes a fresh bundle after the delete; rollback must still bring back the old one.
    await mkdir(join(folder.system, 'Metadata/Movies/a/abc.bundle'), { recursive: true });
    await writeFile(join(folder.system, 'Metadata/Movies/a/abc.bundle/fresh.xml'), 'new');
    expect(await snapshot(folder.system)).not.toEqual(before);

    await phase.rollback(applied, phaseContext(folder));
    expect(await snapshot(folder.system)).toEqual(before);
    expect((await readManifest(applied.backups as string))?.status).toBe('rolled-back');
  });

  it('is idempotent: a second rollback changes nothing and does not fail', async () => {
    folder = await testFolder({ 'a.txt': 'one' });
    const phase = phaseFor();
    const applied = await phase.run(
      { fix: fix('f', [{ type: 'edit', file: 'a.txt', search: 'one', replace: 'two' }]) },
      phaseContext(folder),
    );
    await phase.rollback(applied, phaseContext(folder));
    await phase.rollback(applied, phaseContext(folder));
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('one');
  });

  it('runs the undo argv of a command', async () => {
    folder = await testFolder({ 'state.txt': 'off' });
    const write = (value: string) => [
      process.execPath,
      '-e',
      `require('fs').writeFileSync('state.txt', '${value}')`,
    ];
    const phase = phaseFor();
    const applied = await phase.run(
      { fix: fix('toggle', [{ type: 'command', argv: write('on'), undo: write('off') }]) },
      phaseContext(folder),
    );
    expect(await readFile(join(folder.system, 'state.txt'), 'utf8')).toBe('on');
    await phase.rollback(applied, phaseContext(folder));
    expect(await readFile(join(folder.system, 'state.txt'), 'utf8')).toBe('off');
  });
});

describe('all or nothing', () => {
  it('stops and restores everything when the run is aborted while a command runs', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    const before = await snapshot(folder.system);
    const controller = new AbortController();
    const ctx = { ...phaseContext(folder), signal: controller.signal };
    const running = phaseFor().run(
      {
        fix: fix('aborted', [
          { type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' },
          { type: 'command', argv: [process.execPath, '-e', 'setTimeout(() => {}, 20000)'] },
        ]),
      },
      ctx,
    );
    setTimeout(() => controller.abort(), 500);
    const error = await running.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: expect.stringMatching(/^(INTERRUPTED|ACTION_FAILED)$/) });
    expect((error as Error).message).toContain('every target was restored');
    expect(await snapshot(folder.system)).toEqual(before);
  });

  it('refuses to roll back with backups that are missing or belong to another fix', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    const phase = phaseFor();
    const applied = await phase.run(
      { fix: fix('mine', [{ type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' }]) },
      phaseContext(folder),
    );
    await expect(phase.rollback({ ...applied, fixId: 'other' }, phaseContext(folder))).rejects.toMatchObject({
      code: 'ROLLBACK_FAILED',
      message: expect.stringContaining("belong to fix 'mine'"),
    });
    await expect(
      phase.rollback({ fixId: 'never-applied', changes: [] }, phaseContext(folder)),
    ).rejects.toMatchObject({
      code: 'ROLLBACK_FAILED',
      message: expect.stringContaining('no backup manifest'),
    });
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('A');
  });

  it('restores the first actions when a later one fails, and says which action failed and why', async () => {
    folder = await testFolder({ 'a.txt': 'alpha', 'b.txt': 'beta', 'dir/x': 'x' });
    const before = await snapshot(folder.system);
    const error = await phaseFor()
      .run(
        {
          fix: fix('half', [
            { type: 'edit', file: 'a.txt', search: 'alpha', replace: 'ALPHA' },
            { type: 'delete', path: 'dir' },
            {
              type: 'command',
              argv: [process.execPath, '-e', 'console.error("disk on fire"); process.exit(3)'],
            },
          ]),
        },
        phaseContext(folder),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ACTION_FAILED' });
    expect((error as Error).message).toContain("fix 'half': actions[2] (command)");
    expect((error as Error).message).toContain('exited with code 3');
    expect((error as Error).message).toContain('disk on fire');
    expect((error as Error).message).toContain('every target was restored');
    expect(await snapshot(folder.system)).toEqual(before);
    const report = JSON.parse(await readFile(join(folder.runDir, 'implementation.json'), 'utf8'));
    expect(report).toMatchObject({ fixId: 'half', outcome: 'failed', restoredAfterFailure: true });
  });

  it('fails before changing anything when a search does not match, without making a backup', async () => {
    folder = await testFolder({ 'a.txt': 'alpha', 'b.txt': 'beta' });
    const before = await snapshot(folder.system);
    await expect(
      phaseFor().run(
        {
          fix: fix('mismatch', [
            { type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' },
            { type: 'edit', file: 'b.txt', search: 'gamma', replace: 'G' },
          ]),
        },
        phaseContext(folder),
      ),
    ).rejects.toThrow(
      /actions\[1\] \(edit\) on '.*b\.txt' failed: expected 1 match\(es\) of "gamma", found 0/,
    );
    expect(await snapshot(folder.system)).toEqual(before);
    expect(await readdir(folder.outDir).catch(() => [])).toEqual([]);
  });

  it('refuses unknown action types and invalid fields with the index of the action', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    await expect(
      phaseFor().run({ fix: fix('x', [{ type: 'reboot-the-world' }]) }, phaseContext(folder)),
    ).rejects.toMatchObject({
      code: 'ACTION_REFUSED',
      message: "fix 'x': actions[0]: unknown action type 'reboot-the-world'",
    });
    await expect(
      phaseFor().run({ fix: fix('x', [{ type: 'edit', file: 'a.txt', search: 'a' }]) }, phaseContext(folder)),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining("fix 'x': actions[0] (edit): replace:"),
    });
  });

  it('refuses a restart action when no restart is configured', async () => {
    folder = await testFolder({});
    await expect(
      phaseFor().run({ fix: fix('r', [{ type: 'restart' }]) }, phaseContext(folder)),
    ).rejects.toMatchObject({
      code: 'ACTION_REFUSED',
      message: expect.stringContaining('no restart is configured'),
    });
  });
});

describe('safety', () => {
  it('refuses every escaping path before anything changes, even after a valid first action', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    await writeFile(join(folder.root, 'outside.txt'), 'outside');
    const before = await snapshot(folder.root);
    const attempts = [
      { type: 'edit', file: join(folder.root, 'outside.txt'), search: 'outside', replace: 'pwned' },
      { type: 'delete', path: '../outside.txt' },
      { type: 'json-set', file: 'sub/../../outside.txt', path: 'a', value: 1 },
      { type: 'command', argv: ['true'], cwd: folder.root },
      { type: 'set-pref', bundleId: '../../x', key: 'a', value: '1' },
      { type: 'set-pref', bundleId: 'com.plexapp..x', key: 'a', value: '1' },
    ];
    for (const [index, attempt] of attempts.entries()) {
      const error = await phaseFor()
        .run(
          {
            fix: fix(`escape-${index}`, [
              { type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' },
              attempt,
            ]),
          },
          phaseContext(folder),
        )
        .catch((e: unknown) => e);
      expect(error, JSON.stringify(attempt)).toMatchObject({ code: 'ACTION_REFUSED' });
      expect((error as Error).message).toContain('actions[1]');
    }
    expect(await snapshot(folder.root)).toEqual(before);
  });
});

describe('dry run', () => {
  it('returns a unified diff per file and changes nothing', async () => {
    folder = await testFolder({ [PREFS]: SIM_PREFS, 'old/cache.bin': 'c', 'notes.txt': 'n' });
    const before = await snapshot(folder.root);
    const applied = await phaseFor().run(
      {
        fix: fix('preview', [
          { type: 'set-pref', bundleId: 'com.plexapp.agents.simdb', key: 'max_retries', value: '3' },
          { type: 'delete', path: 'old' },
          { type: 'delete', path: 'notes.txt' },
          { type: 'json-set', file: 'new.json', path: 'a', value: 1 },
          { type: 'command', argv: ['false'] },
        ]),
        dryRun: true,
      },
      phaseContext(folder),
    );
    expect(applied.dryRun).toBe(true);
    const byPath = Object.fromEntries(
      applied.changes.map((change) => [change.path ?? change.action, change]),
    );
    expect(byPath[join(folder.system, PREFS)]?.diff).toContain(
      '-<PluginPreferences><normalize_titles>false</normalize_titles><match_threshold>85</match_threshold><max_retries>0</max_retries></PluginPreferences>',
    );
    expect(byPath[join(folder.system, PREFS)]?.diff).toContain('<max_retries>3</max_retries>');
    expect(byPath[join(folder.system, 'old')]?.description).toBe('would move the folder into the backup');
    expect(byPath[join(folder.system, 'notes.txt')]?.diff).toContain('-n');
    expect(byPath[join(folder.system, 'new.json')]?.diff).toContain('--- /dev/null');
    expect(byPath[join(folder.system)]?.description).toBe('would run ["false"]');
    // Only Ratchet's own report appears; the system is untouched and no backup was made.
    const after = await snapshot(folder.root);
    const ours = Object.keys(after).filter((key) => !(key in before));
    expect(ours.sort()).toEqual([
      'out',
      'out/iterations',
      'out/iterations/01',
      'out/iterations/01/implementation.json',
      'out/iterations/01/implementation.md',
    ]);
    for (const key of Object.keys(before)) expect(after[key]).toEqual(before[key]);
  });

  it('follows settings.dryRun from the factory context', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    const applied = await phaseFor({}, { dryRun: true }).run(
      { fix: fix('f', [{ type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' }]) },
      phaseContext(folder),
    );
    expect(applied.dryRun).toBe(true);
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('alpha');
  });
});

describe('approval gate', () => {
  const editFix = () => fix('approve-me', [{ type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' }]);

  it('refuses with a hint to pass --yes when there is no terminal to ask on', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    const input = new PassThrough();
    const error = await phaseFor({ approve: true }, {}, { terminal: { input, output: new PassThrough() } })
      .run({ fix: editFix() }, phaseContext(folder))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ACTION_REFUSED', hint: expect.stringContaining('--yes') });
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('alpha');
  });

  function terminal(answer: string) {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => {
      shown += chunk.toString();
      if (shown.includes('[y/N]')) input.write(`${answer}\n`);
    });
    return { terminal: { input, output }, shown: () => shown };
  }

  it('shows the diff and applies the fix when the user answers yes', async () => {
    folder = await testFolder({ 'a.txt': 'alpha\n' });
    const tty = terminal('y');
    await phaseFor({ approve: true }, {}, { terminal: tty.terminal }).run(
      { fix: editFix() },
      phaseContext(folder),
    );
    expect(tty.shown()).toContain('-alpha');
    expect(tty.shown()).toContain("Apply fix 'approve-me'? [y/N]");
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('A\n');
  });

  it('changes nothing when the user answers no', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    const tty = terminal('n');
    await expect(
      phaseFor({ approve: true }, {}, { terminal: tty.terminal }).run(
        { fix: editFix() },
        phaseContext(folder),
      ),
    ).rejects.toThrow("fix 'approve-me' was not approved; nothing was changed");
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('alpha');
  });

  it('does not ask when settings.yes approves fixes in advance', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    await phaseFor(
      { approve: true },
      { yes: true },
      { terminal: { input: new PassThrough(), output: new PassThrough() } },
    ).run({ fix: editFix() }, phaseContext(folder));
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('A');
  });
});

describe('reports and options', () => {
  it('writes implementation.json with hashes before and after and a markdown section, keeping earlier fixes of the iteration', async () => {
    folder = await testFolder({ 'a.txt': 'alpha', 'b.txt': 'beta' });
    const phase = phaseFor();
    await phase.run(
      {
        fix: fix('first', [{ type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' }], {
          name: 'First fix',
        }),
      },
      phaseContext(folder),
    );
    await phase.run(
      { fix: fix('second', [{ type: 'edit', file: 'b.txt', search: 'beta', replace: 'B' }]) },
      phaseContext(folder),
    );
    const report = JSON.parse(await readFile(join(folder.runDir, 'implementation.json'), 'utf8'));
    expect(report).toMatchObject({ fixId: 'second', outcome: 'applied', restarted: false });
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.targets[0]).toMatchObject({ path: join(folder.system, 'b.txt'), kind: 'file' });
    expect(report.targets[0].hashBefore).toMatch(/^[0-9a-f]{64}$/);
    expect(report.targets[0].hashAfter).toMatch(/^[0-9a-f]{64}$/);
    expect(report.earlier).toHaveLength(1);
    expect(report.earlier[0].fixId).toBe('first');
    const markdown = await readFile(join(folder.runDir, 'implementation.md'), 'utf8');
    expect(markdown).toContain('## Implementation: First fix (`first`)');
    expect(markdown).toContain('## Implementation: `second`');
    expect(markdown).toContain('```diff');
  });

  it('puts backups under backups/<fix-id>/ with a manifest of every target', async () => {
    folder = await testFolder({ 'a.txt': 'alpha', 'gone/x': 'x' });
    const applied = await phaseFor().run(
      {
        fix: fix('simdb-normalize-titles', [
          { type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' },
          { type: 'delete', path: 'gone' },
          { type: 'json-set', file: 'new.json', path: 'a', value: 1 },
        ]),
      },
      phaseContext(folder),
    );
    expect(applied.backups).toBe(join(folder.outDir, 'backups', 'simdb-normalize-titles'));
    const manifest = await readManifest(applied.backups as string);
    expect(manifest?.status).toBe('applied');
    expect(manifest?.targets.map((target) => target.kind)).toEqual(['file', 'dir', 'absent']);
    expect(
      await readFile(join(applied.backups as string, manifest?.targets[0]?.backup as string), 'utf8'),
    ).toBe('alpha');
    expect(await readFile(join(applied.backups as string, 'trees/1/x'), 'utf8')).toBe('x');
  });

  it('refuses to apply a fix that is already applied', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    const phase = phaseFor();
    const theFix = fix('once', [{ type: 'edit', file: 'a.txt', search: 'a', replace: 'b', count: 2 }]);
    await phase.run({ fix: theFix }, phaseContext(folder));
    await expect(phase.run({ fix: theFix }, phaseContext(folder))).rejects.toThrow(
      "fix 'once' is already applied",
    );
  });

  it('applies one fix at a time: a second apply while one runs is refused and changes nothing', async () => {
    folder = await testFolder({ 'a.txt': 'alpha', 'b.txt': 'beta' });
    const phase = phaseFor();
    const slow = phase.run(
      {
        fix: fix('slow', [{ type: 'command', argv: [process.execPath, '-e', 'setTimeout(() => {}, 1500)'] }]),
      },
      phaseContext(folder),
    );
    const lock = join(folder.outDir, 'backups', '.implement.lock');
    for (let waited = 0; !(await lstat(lock).catch(() => undefined)) && waited < 10_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expect(
      phase.run(
        { fix: fix('second', [{ type: 'edit', file: 'b.txt', search: 'beta', replace: 'B' }]) },
        phaseContext(folder),
      ),
    ).rejects.toThrow('another fix being applied');
    await slow;
    expect(await readFile(join(folder.system, 'b.txt'), 'utf8')).toBe('beta');
  });

  it('rejects bad options with the path of the bad key', () => {
    expect(() => createImplementPhase({}, factoryContext('/tmp'))).toThrow('implement: roots:');
    expect(() =>
      createImplementPhase({ roots: ['x'], restart: { command: [] } }, factoryContext('/tmp')),
    ).toThrow('implement: restart.command:');
    expect(() => createImplementPhase({ roots: ['x'], rots: 1 }, factoryContext('/tmp'))).toThrow(
      /PHASE_OPTIONS_INVALID|Unrecognized key/,
    );
  });
});
