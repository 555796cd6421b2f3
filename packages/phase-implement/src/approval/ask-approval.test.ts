import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fix, type TestFolder, testFolder } from '../test-support/context.test-helpers.js';

const supportDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-support');
let folder: TestFolder;
afterEach(() => folder?.cleanup());

/** Runs the child under `script`, which gives it a real pseudo-terminal, and answers the prompt. */
function applyInTerminal(job: unknown, answer: string): Promise<{ code: number | null; screen: string }> {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const command = [
    process.execPath,
    '--import',
    join(supportDir, 'register-ts.mjs'),
    join(supportDir, 'apply-fix-child.mjs'),
  ]
    .map(quote)
    .join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, RATCHET_TEST_JOB: JSON.stringify(job) },
  });
  let screen = '';
  let answered = false;
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    if (!answered && screen.includes('[y/N]')) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer in time; screen:\n${screen}`));
    }, 45_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe('the approval gate on a real terminal', () => {
  it('asks on the terminal, shows the diff, and applies the fix when the user types y', async () => {
    folder = await testFolder({ 'agent.conf': 'retries = 0\n' });
    const job = {
      configDir: folder.root,
      options: { roots: ['system'], approve: true },
      settings: {},
      fix: fix('ask-me', [
        { type: 'edit', file: 'agent.conf', search: 'retries = 0', replace: 'retries = 3' },
      ]),
      outDir: folder.outDir,
      runDir: folder.runDir,
    };
    const { code, screen } = await applyInTerminal(job, 'y');
    expect(screen).toContain("Fix 'ask-me' would:");
    expect(screen).toContain('-retries = 0');
    expect(screen).toContain('+retries = 3');
    expect(screen).toContain("Apply fix 'ask-me'? [y/N]");
    expect(screen).toContain('applied');
    expect(code).toBe(0);
    expect(await readFile(join(folder.system, 'agent.conf'), 'utf8')).toBe('retries = 3\n');
  });
});
