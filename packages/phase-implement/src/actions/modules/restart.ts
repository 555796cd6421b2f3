import { RatchetError } from '@ratchet/core';
import { restartServer } from '../../restart/restart-server.js';
import type { ActionModule } from '../registry.js';
import type { RestartAction } from '../schemas.js';
import { actionFailed } from '../step.js';

/** Runs the configured restart command, then waits for the health check. */
export const restartAction: ActionModule<RestartAction> = {
  type: 'restart',
  async plan(action, index, ctx) {
    if (!ctx.restartConfigured) {
      throw new RatchetError(
        'ACTION_REFUSED',
        `${ctx.label}: the fix restarts the server, but no restart is configured`,
        {
          hint: 'Set with: { restart: { command: [...], healthUrl: ... } } for the implement phase.',
        },
      );
    }
    return { index, action };
  },
  async preview() {
    return { action: 'restart', description: 'would restart the server and wait until it is healthy' };
  },
  async apply(step, ctx) {
    const { restart, token } = ctx.options;
    if (!restart) throw actionFailed(ctx.fixId, step, 'no restart is configured');
    const report = await restartServer(restart, {
      ...(token ? { token } : {}),
      log: ctx.phase.log,
      signal: ctx.phase.signal,
    });
    return {
      action: 'restart',
      description: `restarted; healthy after ${report.durationMs} ms (${report.healthChecks} check(s))`,
    };
  },
  describe: () => 'restart the server',
};
