import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runSimCommand } from './sim-command.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { stream, text: () => text };
}

/** Waits for what the command prints, however long a loaded machine takes (the test's timeout guards). */
async function waitFor(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('runSimCommand (ratchet sim)', () => {
  it('prints the URL and a token hint, serves until stopped, and exits 0', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plex-sim-cmd-'));
    folders.push(folder);
    const stdout = capture();
    const stderr = capture();
    const stop = new AbortController();
    const exit = runSimCommand(
      { port: 0, data: join(folder, 'data'), seed: 4 },
      {
        stdout: stdout.stream,
        stderr: stderr.stream,
        signal: stop.signal,
        env: { PLEX_TOKEN: 'from-the-environment' },
      },
    );
    await waitFor(() => stdout.text().includes('Press Ctrl+C'));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout.text())?.[1];
    expect(url).toBeDefined();
    expect(stdout.text()).toContain('token:        from PLEX_TOKEN');
    expect(stdout.text()).not.toContain('from-the-environment');
    expect(
      (await fetch(`${url}/library/sections`, { headers: { 'X-Plex-Token': 'from-the-environment' } }))
        .status,
    ).toBe(200);
    stop.abort();
    expect(await exit).toBe(0);
    await expect(fetch(`${url}/identity`)).rejects.toThrow();
  });

  it('prints a generated token once when none was given', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plex-sim-cmd-'));
    folders.push(folder);
    const stdout = capture();
    const stop = new AbortController();
    const exit = runSimCommand(
      { port: 0, data: join(folder, 'data') },
      { stdout: stdout.stream, stderr: new PassThrough(), signal: stop.signal, env: {} },
    );
    await waitFor(() => stdout.text().includes('Press Ctrl+C'));
    const token = /export PLEX_TOKEN=([0-9a-f]+)/.exec(stdout.text())?.[1];
    const url = /listening on (\S+)/.exec(stdout.text())?.[1];
    expect((await fetch(`${url}/`, { headers: { 'X-Plex-Token': token! } })).status).toBe(200);
    stop.abort();
    expect(await exit).toBe(0);
  });

  it('exits 2 with a message naming the folder when --data is not usable', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plex-sim-cmd-'));
    folders.push(folder);
    writeFileSync(join(folder, 'a-file'), 'x');
    const stderr = capture();
    const code = await runSimCommand(
      { port: 0, data: join(folder, 'a-file') },
      { stdout: new PassThrough(), stderr: stderr.stream, env: {} },
    );
    expect(code).toBe(2);
    expect(stderr.text()).toContain(`data folder ${join(folder, 'a-file')} is a file, not a folder`);
  });

  it('reads the token from --token-file, off the command line, and warns when --token is used', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plex-sim-cmd-'));
    folders.push(folder);
    writeFileSync(join(folder, 'token'), 'from-a-file\n');
    const stdout = capture();
    const stop = new AbortController();
    const exit = runSimCommand(
      { port: 0, data: join(folder, 'data'), tokenFile: join(folder, 'token') },
      { stdout: stdout.stream, stderr: new PassThrough(), signal: stop.signal, env: { PLEX_TOKEN: 'env' } },
    );
    await waitFor(() => stdout.text().includes('Press Ctrl+C'));
    const url = /listening on (\S+)/.exec(stdout.text())?.[1];
    expect(stdout.text()).toContain(`token:        from ${join(folder, 'token')}`);
    expect(stdout.text()).not.toContain('from-a-file');
    expect((await fetch(`${url}/`, { headers: { 'X-Plex-Token': 'from-a-file' } })).status).toBe(200);
    stop.abort();
    expect(await exit).toBe(0);

    const stderr = capture();
    const warned = runSimCommand(
      { port: 0, data: join(folder, 'data'), token: 'on-the-command-line' },
      { stdout: capture().stream, stderr: stderr.stream, signal: AbortSignal.abort(), env: {} },
    );
    expect(await warned).toBe(0);
    expect(stderr.text()).toContain('--token puts the token on the command line, where `ps` shows it');
    const empty = capture();
    writeFileSync(join(folder, 'empty'), '\n');
    expect(
      await runSimCommand(
        { port: 0, data: join(folder, 'data'), tokenFile: join(folder, 'empty') },
        { stdout: new PassThrough(), stderr: empty.stream, env: {} },
      ),
    ).toBe(2);
    expect(empty.text()).toContain('is empty');
  });

  it('serves a fault plan from --faults: the first request to the sections gets 401, the next is answered', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plex-sim-cmd-'));
    folders.push(folder);
    const plan = join(folder, 'faults.json');
    writeFileSync(plan, JSON.stringify({ rules: [{ route: 'sections', nth: 1, fault: '401' }] }));
    const stdout = capture();
    const stop = new AbortController();
    const exit = runSimCommand(
      { port: 0, data: join(folder, 'data'), faults: plan },
      { stdout: stdout.stream, stderr: new PassThrough(), signal: stop.signal, env: { PLEX_TOKEN: 'tok' } },
    );
    await waitFor(() => stdout.text().includes('Press Ctrl+C'));
    expect(stdout.text()).toContain(`faults:       ${plan}`);
    const url = /listening on (\S+)/.exec(stdout.text())?.[1];
    const sections = () => fetch(`${url}/library/sections`, { headers: { 'X-Plex-Token': 'tok' } });
    expect((await sections()).status).toBe(401);
    expect((await sections()).status).toBe(200);
    stop.abort();
    expect(await exit).toBe(0);
  });

  it('exits 2 naming the file and the key when the fault plan is wrong', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plex-sim-cmd-'));
    folders.push(folder);
    const plan = join(folder, 'faults.json');
    writeFileSync(plan, JSON.stringify({ rules: [{ route: 'refresh', fault: 'explode' }] }));
    const stderr = capture();
    const code = await runSimCommand(
      { port: 0, data: join(folder, 'data'), faults: plan },
      { stdout: new PassThrough(), stderr: stderr.stream, env: {} },
    );
    expect(code).toBe(2);
    expect(stderr.text()).toContain(`fault plan ${plan}: rules.0.fault`);
    writeFileSync(plan, '{ not json');
    const again = capture();
    expect(
      await runSimCommand(
        { port: 0, data: join(folder, 'data'), faults: plan },
        { stdout: new PassThrough(), stderr: again.stream, env: {} },
      ),
    ).toBe(2);
    expect(again.text()).toContain(`fault plan ${plan}: not valid JSON`);
  });
});
