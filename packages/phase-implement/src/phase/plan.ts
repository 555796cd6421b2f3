import { lstat } from 'node:fs/promises';
import { type Change, RatchetError } from '@ratchet/core';
import { createTwoFilesPatch } from 'diff';
import { readText } from '../actions/content.js';
import { actionModule, type VirtualFile } from '../actions/registry.js';
import type { KnownAction } from '../actions/schemas.js';
import { actionFailed, actionLabel, type PlannedStep } from '../actions/step.js';
import { identityOf, recordParents } from '../fs/confined.js';
import { sha256 } from '../fs/hash.js';
import { hardLinkRefused } from '../fs/move.js';
import type { TargetScope } from '../safety/resolve-target.js';
import type { TargetRequest } from '../transaction/backup.js';

export { actionFailed, actionLabel, type PlannedStep, preferencesFile } from '../actions/step.js';

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
  /** What the actions that touch no file (commands, restarts) would do, for a dry run. */
  notes: Change[];
  /** Per file target, the sha256 of the bytes the plan (and the approval) saw. */
  plannedHashes: Map<string, string>;
}

async function kindOf(path: string): Promise<VirtualFile['kind']> {
  try {
    const stat = await lstat(path);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'absent';
  }
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

/**
 * Each action's module resolves and checks its target, then previews it on an in-memory copy of
 * the files: a refused path, a search that does not match or a diff that does not apply fails
 * here, before anything changes. Commands and restarts cannot be foreseen; they are listed as notes.
 * Every target's folders (device and inode, from `/` down) are recorded for the checks at apply time.
 */
export async function planFix(
  fixId: string,
  actions: readonly KnownAction[],
  scope: TargetScope,
  restartConfigured: boolean,
  redact: (text: string) => string = (text) => text,
): Promise<Plan> {
  const steps: PlannedStep[] = [];
  for (const [index, action] of actions.entries()) {
    const label = `fix '${fixId}': ${actionLabel({ index, action })}`;
    steps.push(await actionModule(action).plan(action, index, { fixId, label, scope, restartConfigured }));
  }

  const virtual = new Map<string, VirtualFile>();
  const original = new Map<string, VirtualFile>();
  const targets = new Map<string, TargetRequest>();
  const notes: Change[] = [];
  const previewContext = {
    fixId,
    redact,
    async load(step: PlannedStep, path: string, needText: boolean): Promise<VirtualFile> {
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
    },
    target(path: string, deleting: boolean): void {
      const existing = targets.get(path);
      targets.set(path, { path, deleting: deleting || (existing?.deleting ?? false), parents: [] });
    },
  };
  for (const step of steps) {
    const note = await actionModule(step.action).preview(step as never, previewContext);
    if (note) notes.push(note);
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
  return { steps, targets: [...targets.values()], previews, notes, plannedHashes };
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
