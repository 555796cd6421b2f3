import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeError, isRatchetError } from '@ratchet/core';
import { dataDirLayout } from '../data-dir/init-data-dir.js';
import { type FaultPlan, readFaultPlanFile } from '../server/fault-plan.js';
import { createSimulator } from '../server/simulator.js';

export interface SimCommandOptions {
  /** Default 32400, the port of a real server; 0 picks a free one. */
  port?: number;
  /** The server data folder (default `./plex-sim-data`). */
  data?: string;
  /** Default: PLEX_TOKEN, else a random token printed once. Seen by `ps`: prefer tokenFile or PLEX_TOKEN. */
  token?: string;
  /** A file whose first line is the token (kept off the command line). */
  tokenFile?: string;
  seed?: number;
  /** A fault plan (JSON) to rehearse failures with: docs/plex-sim.md, "Faults". */
  faults?: string;
}

export interface SimCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stops the simulator like SIGINT does (tests, embedding). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** `ratchet sim`: run the simulator until SIGINT or SIGTERM. Returns the exit code. */
export async function runSimCommand(options: SimCommandOptions, io: SimCommandIo): Promise<number> {
  const env = io.env ?? process.env;
  if (options.token !== undefined)
    io.stderr.write(
      'ratchet sim: warning: --token puts the token on the command line, where `ps` shows it to every user; set PLEX_TOKEN or use --token-file\n',
    );
  let fileToken: string | undefined;
  if (options.tokenFile !== undefined) {
    try {
      fileToken = readFileSync(options.tokenFile, 'utf8').split(/\r?\n/)[0]?.trim() || undefined;
    } catch (error) {
      io.stderr.write(
        `ratchet sim: --token-file: cannot read ${options.tokenFile}: ${(error as Error).message}\n`,
      );
      return 2;
    }
    if (fileToken === undefined) {
      io.stderr.write(`ratchet sim: --token-file: ${options.tokenFile} is empty\n`);
      return 2;
    }
  }
  const givenToken = options.token ?? fileToken ?? (env['PLEX_TOKEN'] || undefined);
  const dataDir = resolve(options.data ?? 'plex-sim-data');
  let simulator: Awaited<ReturnType<typeof createSimulator>>;
  try {
    const faults: FaultPlan | undefined =
      options.faults === undefined ? undefined : readFaultPlanFile(resolve(options.faults));
    simulator = await createSimulator({
      ...(faults === undefined ? {} : { faults }),
      dataDir,
      port: options.port ?? 32400,
      ...(givenToken === undefined ? {} : { token: givenToken }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  } catch (error) {
    io.stderr.write(`ratchet sim: ${describeError(error)}\n`);
    return isRatchetError(error) && (error.isUsageError || error.code === 'INPUT_INVALID') ? 2 : 1;
  }
  const layout = dataDirLayout(simulator.dataDir);
  const tokenHint =
    options.token !== undefined
      ? 'the one given with --token'
      : fileToken !== undefined
        ? `from ${options.tokenFile}`
        : givenToken !== undefined
          ? 'from PLEX_TOKEN'
          : `${simulator.token} (generated; export PLEX_TOKEN=${simulator.token})`;
  io.stdout.write(
    [
      `Plex simulator listening on ${simulator.url}`,
      `  token:        ${tokenHint}`,
      `  data folder:  ${simulator.dataDir}`,
      `  plug-in logs: ${layout.pluginLogsDir}`,
      `  restart:      node ${resolve(import.meta.dirname, '..', 'ctl.js')} restart --url ${simulator.url}`,
      ...(options.faults === undefined
        ? []
        : [
            `  faults:       ${resolve(options.faults)} (open a window: POST /:/sim/faults/windows/NAME/open)`,
          ]),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
  await simulator.close();
  io.stderr.write('Plex simulator stopped.\n');
  return 0;
}
