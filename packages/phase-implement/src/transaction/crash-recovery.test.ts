import { spawn } from 'node:child_process';
import { chmod, lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { FAULT_ENV } from './fault-injection.js';
import { backupFolderFor, readManifest } from './manifest.js';

const supportDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-support');
const PREFS = 'Plug-in Support/Preferences/com.plexapp.agents.simdb.xml';
const BUNDLE = 'Metadata/Movies/1/abc.bundle';

let folder: TestFolder;
afterEach(() => folder?.cleanup());

/**
 * Applies a fix in a child process with a fault point set. In pause mode the child stops at the
 * point and this test kills it with SIGKILL; in kill mode it kills itself. Resolves with the signal.
 */
function applyInChild(
  theFix: unknown,
  fault: string,
): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const job = {
    configDir: folder.root,
    options: { roots: ['system'], commands: { allow: true } },
    fix: theFix,
    outDir: folder.outDir,
    runDir: folder.runDir,
  };
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(supportDir, 'register-ts.mjs'),
      join(supportDir, 'apply-fix-child.mjs'),
      JSON.stringify(job),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [FAULT_ENV]: fault },
    },
  );
  let stderr = '';
  const [when, action] = fault.split(':');
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.includes(`ratchet-fault: ${when}:${action}`)) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child never reached the fault point; stderr:\n${stderr}`));
    }, 45_000);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ signal, stderr });
    });
  });
}

describe('a crash in the middle of applying a fix', () => {
  it('leaves a manifest that recover() uses to put back a changed preference and a deleted folder', async () => {
    folder = await testFolder({
      [PREFS]: {
        content: '<PluginPreferences><normalize_titles>false</normalize_titles></PluginPreferences>\n',
        mode: 0o664,
      },
      [`${BUNDLE}/Contents/com.plexapp.agents.simdb/Info.xml`]: { content: '<corrupt', mode: 0o640 },
      [`${BUNDLE}/Contents/com.plexapp.agents.simdb/art/a.jpg`]: {
        content: new Uint8Array([255, 216, 0, 1]),
      },
      'agent.json': { content: '{\n  "retries": 0\n}\n', mode: 0o600 },
    });
    await chmod(join(folder.system, BUNDLE), 0o750);
    const before = await snapshot(folder.system);
    const theFix = fix('crashy', [
      { type: 'set-pref', bundleId: 'com.plexapp.agents.simdb', key: 'normalize_titles', value: 'true' },
      { type: 'delete', path: BUNDLE },
      { type: 'json-set', file: 'agent.json', path: 'retries', value: 3 },
    ]);

    const { signal, stderr } = await applyInChild(theFix, 'after-action:1');
    expect(signal, stderr).toBe('SIGKILL');
    // The kill landed between the second and the third action.
    expect(await readFile(join(folder.system, PREFS), 'utf8')).toContain('<normalize_titles>true<');
    expect(await lstat(join(folder.system, BUNDLE)).catch(() => undefined)).toBeUndefined();
    expect(await readFile(join(folder.system, 'agent.json'), 'utf8')).toContain('"retries": 0');
    const backups = backupFolderFor(folder.outDir, 'crashy');
    const manifest = await readManifest(backups);
    expect(manifest?.status).toBe('applying');
    expect(manifest?.targets.map((target) => [target.kind, target.sha256?.length, target.mode])).toEqual([
      ['file', 64, 0o664],
      ['dir', 64, 0o750],
      ['file', 64, 0o600],
    ]);

    const phase = createImplementPhase(
      { roots: ['system'], commands: { allow: true } },
      factoryContext(folder.root),
    );
    await phase.recover?.(theFix, phaseContext(folder));
    expect(await snapshot(folder.system)).toEqual(before);
    expect((await readManifest(backups))?.status).toBe('recovered');

    // The loop can go on: the same fix applies cleanly afterwards, the old backups are kept aside.
    await phase.run({ fix: theFix }, phaseContext(folder));
    expect(await readFile(join(folder.system, 'agent.json'), 'utf8')).toContain('"retries": 3');
    expect(
      (await readdir(join(folder.outDir, 'backups'))).filter((name) => name.startsWith('crashy')).length,
    ).toBe(2);
  });

  it('runs the undo of a command that had run when the process killed itself before the next action', async () => {
    folder = await testFolder({ 'state.txt': 'off', 'a.conf': 'x = 1\n' });
    const before = await snapshot(folder.system);
    const write = (value: string) => [
      process.execPath,
      '-e',
      `require('fs').writeFileSync('state.txt', '${value}')`,
    ];
    const theFix = fix('crashy-command', [
      { type: 'command', argv: write('on'), undo: write('off') },
      { type: 'edit', file: 'a.conf', search: 'x = 1', replace: 'x = 2' },
    ]);
    const { signal } = await applyInChild(theFix, 'before-action:1:kill');
    expect(signal).toBe('SIGKILL');
    expect(await readFile(join(folder.system, 'state.txt'), 'utf8')).toBe('on');

    const phase = createImplementPhase(
      { roots: ['system'], commands: { allow: true } },
      factoryContext(folder.root),
    );
    await phase.recover?.(theFix, phaseContext(folder));
    expect(await snapshot(folder.system)).toEqual(before);
  });

  it('undoes a finished apply of the same attempt (killed before the engine saved) but not a kept fix of an earlier iteration', async () => {
    folder = await testFolder({ 'a.txt': 'alpha', 'b.txt': 'beta' });
    const phase = createImplementPhase(
      { roots: ['system'], commands: { allow: true } },
      factoryContext(folder.root),
    );
    const inIteration = (iteration: number) => ({
      ...phaseContext(folder),
      iteration,
      state: { runId: 'run-1' } as never,
    });

    const kept = fix('kept-earlier', [{ type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' }]);
    await phase.run({ fix: kept }, inIteration(1));
    await phase.recover?.(kept, inIteration(2));
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('A');

    const interrupted = fix('interrupted-after-apply', [
      { type: 'edit', file: 'b.txt', search: 'beta', replace: 'B' },
    ]);
    await phase.run({ fix: interrupted }, inIteration(2));
    await phase.recover?.(interrupted, inIteration(2));
    expect(await readFile(join(folder.system, 'b.txt'), 'utf8')).toBe('beta');
  });

  it('does nothing on recover when the fix never started or already finished restoring', async () => {
    folder = await testFolder({ 'a.txt': 'alpha' });
    const phase = createImplementPhase(
      { roots: ['system'], commands: { allow: true } },
      factoryContext(folder.root),
    );
    const theFix = fix('never-started', [{ type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' }]);
    await phase.recover?.(theFix, phaseContext(folder));
    const failing = fix('fails', [
      { type: 'edit', file: 'a.txt', search: 'alpha', replace: 'A' },
      { type: 'command', argv: [process.execPath, '-e', 'process.exit(1)'] },
    ]);
    await expect(phase.run({ fix: failing }, phaseContext(folder))).rejects.toThrow(
      'every target was restored',
    );
    await phase.recover?.(failing, phaseContext(folder));
    expect(await readFile(join(folder.system, 'a.txt'), 'utf8')).toBe('alpha');
  });
});
