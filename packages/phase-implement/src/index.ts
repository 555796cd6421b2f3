import type { ImplementPhase, PhaseFactoryContext } from '@ratchet/core';
import { parseImplementOptions } from './options/options.js';
import { FileImplementPhase, type ImplementPhaseDeps } from './phase/implement-phase.js';

export { applyEdit } from './actions/edit.js';
export { setJsonValue } from './actions/json-set.js';
export { applyUnifiedDiff } from './actions/patch.js';
export { ACTION_TYPES, type KnownAction, KnownActionSchema, parseActions } from './actions/schemas.js';
export { escapeXmlText, setPreference } from './actions/set-pref.js';
export type { ApprovalTerminal } from './approval/ask-approval.js';
export {
  type ImplementOptionsInput,
  ImplementOptionsSchema,
  parseImplementOptions,
  type ResolvedImplementOptions,
} from './options/options.js';
export { FileImplementPhase, type ImplementPhaseDeps } from './phase/implement-phase.js';
export { preferencesFile } from './phase/plan.js';
export { FAULT_ENV } from './transaction/fault-injection.js';
export { backupFolderFor, backupFolderName, type Manifest, readManifest } from './transaction/manifest.js';

/**
 * The phase factory (the package's default export): `with:` options from the config, resolved
 * against the config's folder. `ctx.settings.yes` approves fixes in advance; `ctx.settings.dryRun`
 * makes every run a dry run.
 */
export function createImplementPhase(
  options: Record<string, unknown>,
  ctx: PhaseFactoryContext,
  deps: ImplementPhaseDeps = {},
): ImplementPhase {
  return new FileImplementPhase(parseImplementOptions(options, ctx.configDir), ctx.settings, deps);
}

export default createImplementPhase;
