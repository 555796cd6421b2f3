import type { Change, PhaseContext } from '@ratchet/core';
import type { ResolvedImplementOptions } from '../options/options.js';
import type { TargetScope } from '../safety/resolve-target.js';
import type { Manifest } from '../transaction/manifest.js';
import { commandAction } from './modules/command.js';
import { editAction, jsonSetAction, patchAction, setPrefAction } from './modules/content.js';
import { deleteAction } from './modules/delete.js';
import { restartAction } from './modules/restart.js';
import type { KnownAction } from './schemas.js';
import type { PlannedStep } from './step.js';

/** A file as the plan sees it: the in-memory copy the content actions change one after another. */
export interface VirtualFile {
  text: string | undefined;
  kind: 'file' | 'dir' | 'absent' | 'other';
}

export interface PlanContext {
  fixId: string;
  /** `fix 'id': actions[N] (type)`, for messages. */
  label: string;
  scope: TargetScope;
  restartConfigured: boolean;
}

export interface PreviewContext {
  fixId: string;
  /** The file at `path` as earlier actions of the fix left it (loaded from disk the first time). */
  load(step: PlannedStep, path: string, needText: boolean): Promise<VirtualFile>;
  /** Declares a path the fix changes: it is backed up before anything changes. */
  target(path: string, deleting: boolean): void;
  redact(text: string): string;
}

export interface ApplyContext {
  fixId: string;
  manifest: Manifest;
  /** The fix's backup folder. */
  folder: string;
  phase: PhaseContext;
  options: ResolvedImplementOptions;
  /** Masks the token in text that reaches a change record. */
  redact(text: string): string;
  /** Saves the manifest (a delete records what it moved). */
  saveManifest(): Promise<void>;
}

/**
 * One action type: how it is planned (its target resolved and checked, nothing changes), previewed
 * (on the plan's in-memory copy of the files, or as a note for a dry run), applied, and described.
 */
export interface ActionModule<A extends KnownAction = KnownAction> {
  readonly type: A['type'];
  plan(action: A, index: number, ctx: PlanContext): Promise<PlannedStep>;
  /** Changes the in-memory files for file actions; returns the dry-run note of the others. */
  preview(step: PlannedStep & { action: A }, ctx: PreviewContext): Promise<Change | undefined>;
  apply(step: PlannedStep & { action: A }, ctx: ApplyContext): Promise<Change>;
  describe(action: A, redact: (text: string) => string): string;
}

type Registry = { [T in KnownAction['type']]: ActionModule<Extract<KnownAction, { type: T }>> };

const REGISTRY: Registry = {
  edit: editAction,
  patch: patchAction,
  'set-pref': setPrefAction,
  'json-set': jsonSetAction,
  delete: deleteAction,
  command: commandAction,
  restart: restartAction,
};

/** The module of an action's type (types are validated before, by parseActions). */
export function actionModule<A extends KnownAction>(action: A): ActionModule<A> {
  return REGISTRY[action.type] as unknown as ActionModule<A>;
}
