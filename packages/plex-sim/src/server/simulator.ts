import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RatchetError } from '@ratchet/core';
import { AgentRuntime } from '../agent/agent-runtime.js';
import { initDataDir } from '../data-dir/init-data-dir.js';
import { saveLibrary } from '../library/library.js';
import { FaultPlanRuntime, parseFaultPlan } from './fault-plan.js';
import { hasToken } from './http/request.js';
import { NotificationHub } from './notifications.js';
import { parseSimulatorOptions, type SimulatorOptions } from './options/simulator-options.js';
import { createDispatcher } from './routes/dispatch.js';
import { plexApiRoutes } from './routes/plex/plex-api-routes.js';
import type { SimContext } from './routes/route.js';
import { simControlRoutes } from './routes/sim-control.js';

export type { SimulatorOptions } from './options/simulator-options.js';
export { SIM_SERVER_VERSION } from './version.js';

export interface SimulatorHandle {
  url: string;
  port: number;
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Start a Plex-compatible server whose only agent is the simulated `com.plexapp.agents.simdb`. */
export async function createSimulator(input: SimulatorOptions): Promise<SimulatorHandle> {
  const options = parseSimulatorOptions(input);
  const { host, port } = options;
  const token = options.token ?? randomBytes(16).toString('hex');
  const faultPlan = parseFaultPlan(options.faults, 'plex-sim: faults');
  const init = await initDataDir(options.dataDir, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.items === undefined ? {} : { items: options.items }),
  });
  const library = init.library;
  let libraryDirty = false;

  const notifications = new NotificationHub(library.section.key, (request, url) =>
    hasToken(request, url, token),
  );
  const runtime = new AgentRuntime({
    dataDir: init.layout.dataDir,
    agentLogFile: init.layout.agentLogFile,
    seed: library.seed,
    timeScale: options.timeScale,
    restartMs: options.restartMs,
    workers: options.workers,
    onRefreshed: (movie) => {
      movie.updatedAt = Math.max(movie.updatedAt + 1, Math.floor(Date.now() / 1000));
      libraryDirty = true;
    },
    onActivity: (event, activity, movie) => {
      notifications.activity(event, activity);
      if (event === 'updated') notifications.timeline(movie.ratingKey, movie.title, 3, 'loading');
      if (event === 'ended') notifications.timeline(movie.ratingKey, movie.title, 5);
    },
  });
  await runtime.start();
  const faults = new FaultPlanRuntime(faultPlan, library.seed);

  const context: SimContext = {
    library,
    byKey: new Map(library.movies.map((movie) => [movie.ratingKey, movie])),
    runtime,
    faults,
    layout: init.layout,
    restartMs: options.restartMs,
  };
  const routes = [...plexApiRoutes(context), ...simControlRoutes(context)];
  const server: Server = createServer(createDispatcher(routes, token, faults));

  notifications.attach(server);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new RatchetError('INPUT_INVALID', `plex-sim: cannot listen on ${host}:${port}: ${error.message}`, {
            cause: error,
            hint: 'Choose another port, or 0 for a free one.',
          }),
        ),
      );
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    notifications.close();
    await runtime.close();
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    token,
    dataDir: init.layout.dataDir,
    close: () => {
      closing ??= (async () => {
        faults.closeAll();
        notifications.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await runtime.close();
        if (libraryDirty) await saveLibrary(init.layout.dataDir, library);
      })();
      return closing;
    },
  };
}
