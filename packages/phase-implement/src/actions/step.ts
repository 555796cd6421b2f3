import { join } from 'node:path';
import { RatchetError } from '@ratchet/core';
import type { Identity } from '../fs/confined.js';
import type { KnownAction } from './schemas.js';

export interface PlannedStep {
  index: number;
  action: KnownAction;
  /** The resolved real path the action changes (the cwd for a command). */
  path?: string;
  /** The folders leading to `path` as planned (device and inode), checked again when it runs. */
  parents?: Identity[];
}

export function actionLabel(step: { index: number; action: { type: string } }): string {
  return `actions[${step.index}] (${step.action.type})`;
}

export function actionFailed(
  fixId: string,
  step: PlannedStep,
  reason: string,
  cause?: unknown,
): RatchetError {
  return new RatchetError(
    'ACTION_FAILED',
    `fix '${fixId}': ${actionLabel(step)}${step.path ? ` on '${step.path}'` : ''} failed: ${reason}`,
    { cause, details: { fixId, action: step.index, type: step.action.type, path: step.path } },
  );
}

export function preferencesFile(baseDir: string, bundleId: string): string {
  return join(baseDir, 'Plug-in Support', 'Preferences', `${bundleId}.xml`);
}
