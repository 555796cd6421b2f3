import { withFolder } from '../../fs/confined.js';
import { resolveTarget } from '../../safety/resolve-target.js';
import { minimalEnv, runArgv } from '../command.js';
import type { ActionModule } from '../registry.js';
import type { CommandAction } from '../schemas.js';

/**
 * Runs an argv without a shell, in its folder (a root or inside one, opened without following
 * links) and with a minimal environment: PATH, LANG and what the config's `commands.env` lists.
 */
export const commandAction: ActionModule<CommandAction> = {
  type: 'command',
  async plan(action, index, ctx) {
    return {
      index,
      action,
      path: await resolveTarget(action.cwd ?? ctx.scope.baseDir, ctx.scope, ctx.label, { allowRoot: true }),
    };
  },
  async preview(step, ctx) {
    return {
      action: 'command',
      ...(step.path ? { path: step.path } : {}),
      description: `would run ${ctx.redact(JSON.stringify(step.action.argv))}`,
    };
  },
  async apply(step, ctx) {
    const { action } = step;
    await withFolder(step.path as string, step.parents, (dir) =>
      runArgv(action.argv, {
        cwd: dir.self,
        env: minimalEnv(ctx.options.commands.env),
        ...(action.timeoutMs ? { timeoutMs: action.timeoutMs } : {}),
        signal: ctx.phase.signal,
      }),
    );
    return {
      action: 'command',
      ...(step.path ? { path: step.path } : {}),
      description: commandAction.describe(action, ctx.redact),
    };
  },
  describe: (action, redact) => `ran ${redact(JSON.stringify(action.argv))}`,
};
