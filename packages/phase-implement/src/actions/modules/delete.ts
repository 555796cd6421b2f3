import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change } from '@ratchet/core';
import { changedSincePlanning, identityOf, lstatChild, sameIdentity, withParent } from '../../fs/confined.js';
import { moveChild } from '../../fs/move.js';
import { resolveTarget } from '../../safety/resolve-target.js';
import { clearSpecialModes, findSpecialModes } from '../../transaction/restore.js';
import type { ActionModule } from '../registry.js';
import type { DeleteAction } from '../schemas.js';
import { actionFailed } from '../step.js';

/** Removes a file (a copy is in the backup) or moves a folder into the backup. */
export const deleteAction: ActionModule<DeleteAction> = {
  type: 'delete',
  async plan(action, index, ctx) {
    return { index, action, path: await resolveTarget(action.path, ctx.scope, ctx.label) };
  },
  async preview(step, ctx) {
    const path = step.path as string;
    const entry = await ctx.load(step, path, false);
    if (entry.kind === 'absent') return undefined;
    if (entry.kind === 'other')
      throw actionFailed(ctx.fixId, step, 'the target is neither a file nor a folder');
    entry.kind = 'absent';
    entry.text = undefined;
    ctx.target(path, true);
    return undefined;
  },
  async apply(step, ctx) {
    const path = step.path as string;
    const index = ctx.manifest.targets.findIndex((candidate) => candidate.path === path);
    const target = ctx.manifest.targets[index];
    const absent: Change = {
      action: 'delete',
      path,
      description: 'already absent; nothing to delete',
      hashBefore: null,
      hashAfter: null,
    };
    if (!target) return absent;
    return withParent(path, target.parents, async (dir, name) => {
      const stat = await lstatChild(dir, name);
      if (!stat) return absent;
      if (target.identity && !sameIdentity(identityOf(stat), target.identity))
        throw changedSincePlanning(path, 'another file or folder is in its place');
      if (stat.isDirectory()) {
        const backup = join(ctx.folder, target.backup ?? `trees/${index}`);
        await withParent(backup, undefined, (backups, backupName) =>
          moveChild(dir, name, backups, backupName),
        );
        // A moved folder keeps its files' modes: setuid and setgid are recorded first, then cleared.
        target.specialModes = await findSpecialModes(backup);
        await ctx.saveManifest();
        await clearSpecialModes(backup, target.specialModes);
        return {
          action: 'delete',
          path,
          description: 'folder moved into the backup',
          hashBefore: target.sha256,
          hashAfter: null,
        };
      }
      await unlink(dir.child(name));
      await dir.sync();
      return {
        action: 'delete',
        path,
        description: 'file removed (a copy is in the backup)',
        hashBefore: target.sha256,
        hashAfter: null,
      };
    });
  },
  describe: (action) => `delete ${action.path}`,
};
