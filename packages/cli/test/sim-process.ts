import { type ChildProcess, spawn } from 'node:child_process';
import { BIN } from './helpers.js';

export interface SimProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * `ratchet sim` started as its own process, as a user starts it, with the token in its environment
 * (never on its command line). Resolves once it prints where it listens.
 */
export async function startSim(dataDir: string, token: string): Promise<SimProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--data', dataDir], {
    env: { ...process.env, PLEX_TOKEN: token, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      if (found && stdout.includes('Press Ctrl+C')) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`ratchet sim exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
