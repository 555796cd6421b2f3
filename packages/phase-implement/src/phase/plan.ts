import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { createTwoFilesPatch } from 'diff';
import { isContentAction, readText, transformContent } from '../actions/content.js';
import type { KnownAction } from '../actions/schemas.js';
import { type Identity, identityOf, recordParents } from '../fs/confined.js';
import { sha256 } from '../fs/hash.js';
import { hardLinkRefused } from '../fs/move.js';
import { resolveTarget, type TargetScope } from '../safety/resolve-target.js';
import type { TargetRequest } from '../transaction/backup.js';

export interface PlannedStep {
  index: number;
  action: KnownAction;
  /** The resolved real path the action changes (the cwd for a command). */
  path?: string;
  /** The folders leading to `path` as planned (device and inode), checked again when it runs. */
  parents?: Identity[];
}

export interface FilePreview {
  path: string;
  before: string | undefined;
  after: string | undefined;
  /** A 'file' whose `before` is undefined is not text (binary): it gets no diff. */
  beforeKind: 'file' | 'dir' | 'absent';
}

export interface Plan {
  steps: PlannedStep[];
  targets: TargetRequest[];
  /** Per touched path, the content before and after the whole fix, as far as it can be foreseen. */
  previews: FilePreview[];
  /** Per file target, the sha256 of the bytes the plan (and the approval) saw. */
  plannedHashes: Map<string, string>;
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

async function kindOf(path: string): Promise<'file' | 'dir' | 'absent' | 'other'> {
  try {
    const stat = await lstat(path);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'absent';
  }
}

/**
 * Resolves and checks every target, then runs the content actions on an in-memory copy of the files:
 * a refused path, a search that does not match or a diff that does not apply fails here, before
 * anything changes. Commands and restarts cannot be foreseen; they are listed as they are.
 */
export async function planFix(
  fixId: string,
  actions: readonly KnownAction[],
  scope: TargetScope,
  restartConfigured: boolean,
): Promise<Plan> {
  const steps: PlannedStep[] = [];
  for (const [index, action] of actions.entries()) {
    const label = `fix '${fixId}': ${actionLabel({ index, action })}`;
    switch (action.type) {
      case 'edit':
      case 'patch':
      case 'json-set':
        steps.push({ index, action, path: await resolveTarget(action.file, scope, label) });
        break;
      case 'set-pref':
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(action.bundleId) || action.bundleId.includes('..')) {
          throw new RatchetError(
            'ACTION_REFUSED',
            `${label}: refused bundle id '${action.bundleId}': it would leave the Preferences folder`,
            {
              hint: 'A bundle id looks like com.plexapp.agents.x.',
              details: { action: label, path: action.bundleId },
            },
          );
        }
        steps.push({
          index,
          action,
          path: await resolveTarget(preferencesFile(scope.baseDir, action.bundleId), scope, label),
        });
        break;
      case 'delete':
        steps.push({ index, action, path: await resolveTarget(action.path, scope, label) });
        break;
      case 'command':
        steps.push({
          index,
          action,
          path: await resolveTarget(action.cwd ?? scope.baseDir, scope, label, { allowRoot: true }),
        });
        break;
      case 'restart':
        if (!restartConfigured) {
          throw new RatchetError(
            'ACTION_REFUSED',
            `${label}: the fix restarts the server, but no restart is configured`,
            {
              hint: 'Set with: { restart: { command: [...], healthUrl: ... } } for the implement phase.',
            },
          );
        }
        steps.push({ index, action });
        break;
    }
  }

  const virtual = new Map<string, { text: string | undefined; kind: 'file' | 'dir' | 'absent' | 'other' }>();
  const original = new Map<string, { text: string | undefined; kind: 'file' | 'dir' | 'absent' | 'other' }>();
  const load = async (step: PlannedStep, path: string, needText: boolean) => {
    let entry = virtual.get(path);
    if (!entry) {
      const kind = await kindOf(path);
      let text: string | undefined;
      if (kind === 'file') {
        try {
          text = await readText(path);
        } catch (error) {
          // A binary file can still be deleted; only content actions need text.
          if (needText) throw actionFailed(fixId, step, (error as Error).message, error);
        }
      }
      entry = { kind, text };
      virtual.set(path, entry);
      original.set(path, { ...entry });
    }
    return entry;
  };

  const targets = new Map<string, TargetRequest>();
  for (const step of steps) {
    const { action, path } = step;
    if (!path || action.type === 'command') continue;
    if (isContentAction(action)) {
      const entry = await load(step, path, true);
      if (entry.kind === 'dir' || entry.kind === 'other')
        throw actionFailed(fixId, step, 'the target is not a regular file');
      try {
        entry.text = transformContent(action, entry.kind === 'absent' ? undefined : entry.text);
      } catch (error) {
        throw actionFailed(fixId, step, (error as Error).message, error);
      }
      entry.kind = 'file';
      if (!targets.has(path)) targets.set(path, { path, deleting: false, parents: [] });
    } else if (action.type === 'delete') {
      const entry = await load(step, path, false);
      if (entry.kind === 'absent') continue;
      if (entry.kind === 'other')
        throw actionFailed(fixId, step, 'the target is neither a file nor a folder');
      entry.kind = 'absent';
      entry.text = undefined;
      targets.set(path, { path, deleting: true, parents: [] });
    }
  }

  for (const target of targets.values()) await recordIdentity(fixId, target);
  for (const step of steps) if (step.path) step.parents = await recordParents(step.path);
  const plannedHashes = new Map<string, string>();
  for (const [path, before] of original) {
    if (before.kind === 'file' && before.text !== undefined) plannedHashes.set(path, sha256(before.text));
  }

  const previews: FilePreview[] = [];
  for (const [path, before] of original) {
    const after = virtual.get(path);
    previews.push({
      path,
      before: before.kind === 'file' ? before.text : undefined,
      after: after?.kind === 'file' ? after.text : undefined,
      beforeKind: before.kind === 'other' ? 'file' : before.kind,
    });
  }
  return { steps, targets: [...targets.values()], previews, plannedHashes };
}

/** Records where the target is (every folder on the way, and itself); refuses a hard-linked file. */
async function recordIdentity(fixId: string, target: TargetRequest): Promise<void> {
  target.parents = await recordParents(target.path);
  const stat = await lstat(target.path, { bigint: true }).catch(() => undefined);
  if (!stat) return;
  if (stat.isFile() && stat.nlink > 1n) {
    const refused = hardLinkRefused(target.path, Number(stat.nlink));
    throw new RatchetError('ACTION_REFUSED', `fix '${fixId}': ${refused.message}`, {
      ...(refused.hint ? { hint: refused.hint } : {}),
      details: refused.details ?? {},
    });
  }
  target.identity = identityOf(stat);
}

export function previewDiff(preview: FilePreview): string | undefined {
  if (preview.beforeKind === 'dir' || (preview.beforeKind === 'file' && preview.before === undefined))
    return undefined;
  if ((preview.before?.length ?? 0) + (preview.after?.length ?? 0) > 1024 * 1024) {
    return `(no diff: ${preview.path} is larger than 1 MiB; see the hashes)\n`;
  }
  return createTwoFilesPatch(
    preview.before === undefined ? '/dev/null' : preview.path,
    preview.after === undefined ? '/dev/null' : preview.path,
    preview.before ?? '',
    preview.after ?? '',
  );
}
