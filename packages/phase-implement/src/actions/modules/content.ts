import { RatchetError } from '@ratchet/core';
import { createTwoFilesPatch } from 'diff';
import { writeChildAtomic } from '../../fs/atomic-write.js';
import { lstatChild, withParent } from '../../fs/confined.js';
import { sha256 } from '../../fs/hash.js';
import { hardLinkRefused } from '../../fs/move.js';
import { resolveTarget } from '../../safety/resolve-target.js';
import { type ContentAction, readTextAt, transformContent } from '../content.js';
import type { ActionModule, PlanContext } from '../registry.js';
import type { EditAction, JsonSetAction, PatchAction, SetPrefAction } from '../schemas.js';
import { actionFailed, type PlannedStep, preferencesFile } from '../step.js';

/** The largest diff kept in a change record and the report; larger ones are cut with a note. */
export const MAX_DIFF_CHARS = 64 * 1024;
/** Diffing is quadratic at worst: files larger than this get a note instead of a diff. */
const MAX_DIFF_INPUT_CHARS = 1024 * 1024;

export function capDiff(diff: string): string {
  return diff.length > MAX_DIFF_CHARS
    ? `${diff.slice(0, MAX_DIFF_CHARS)}\n... (diff cut at ${MAX_DIFF_CHARS} characters)\n`
    : diff;
}

function diffOrNote(path: string, before: string | undefined, after: string): string {
  if ((before?.length ?? 0) + after.length > MAX_DIFF_INPUT_CHARS) {
    return `(no diff: ${path} is larger than ${MAX_DIFF_INPUT_CHARS / 1024 / 1024} MiB; see the hashes)\n`;
  }
  return capDiff(createTwoFilesPatch(before === undefined ? '/dev/null' : path, path, before ?? '', after));
}

/**
 * The four content actions differ only in which file they name and how they change its text; the
 * rest (read through the open folder, write atomically with owner and mode kept) is shared.
 */
function contentModule<A extends ContentAction>(spec: {
  type: A['type'];
  file(action: A, ctx: PlanContext): string;
  describe(action: A, redact: (text: string) => string): string;
}): ActionModule<A> {
  return {
    type: spec.type,
    async plan(action, index, ctx) {
      return { index, action, path: await resolveTarget(spec.file(action, ctx), ctx.scope, ctx.label) };
    },
    async preview(step, ctx) {
      const path = step.path as string;
      const entry = await ctx.load(step, path, true);
      if (entry.kind === 'dir' || entry.kind === 'other')
        throw actionFailed(ctx.fixId, step, 'the target is not a regular file');
      try {
        entry.text = transformContent(step.action, entry.kind === 'absent' ? undefined : entry.text);
      } catch (error) {
        throw actionFailed(ctx.fixId, step, (error as Error).message, error);
      }
      entry.kind = 'file';
      ctx.target(path, false);
      return undefined;
    },
    async apply(step, ctx) {
      const path = step.path as string;
      const { action } = step;
      const target = ctx.manifest.targets.find((candidate) => candidate.path === path);
      return withParent(
        path,
        target?.parents ?? step.parents,
        async (dir, name) => {
          const stat = await lstatChild(dir, name);
          if (stat && !stat.isFile()) throw new Error('it is not a regular file');
          if (stat && stat.nlink > 1n) throw hardLinkRefused(path, Number(stat.nlink));
          const before = stat ? await readTextAt(dir.child(name)) : undefined;
          const after = transformContent(action, before);
          const owner = stat
            ? { uid: Number(stat.uid), gid: Number(stat.gid) }
            : target?.uid !== undefined && target.gid !== undefined
              ? { uid: target.uid, gid: target.gid }
              : {};
          await writeChildAtomic(dir, name, after, {
            mode: stat ? Number(stat.mode & 0o7777n) : 0o644,
            ...owner,
          });
          return {
            action: action.type,
            path,
            description: spec.describe(action, ctx.redact),
            hashBefore: before === undefined ? null : sha256(before),
            hashAfter: sha256(after),
            diff: ctx.redact(diffOrNote(path, before, after)),
          };
        },
        { create: true },
      );
    },
    describe: spec.describe,
  };
}

export const editAction = contentModule<EditAction>({
  type: 'edit',
  file: (action) => action.file,
  describe: (action) => `replaced ${action.count} match(es)`,
});

export const patchAction = contentModule<PatchAction>({
  type: 'patch',
  file: (action) => action.file,
  describe: () => 'applied the diff',
});

export const jsonSetAction = contentModule<JsonSetAction>({
  type: 'json-set',
  file: (action) => action.file,
  describe: (action) => `set ${Array.isArray(action.path) ? action.path.join('.') : action.path}`,
});

const setPrefModule = contentModule<SetPrefAction>({
  type: 'set-pref',
  file: (action, ctx) => preferencesFile(ctx.scope.baseDir, action.bundleId),
  describe: (action, redact) => `${action.bundleId}: ${action.key} = ${redact(action.value)}`,
});

export const setPrefAction: ActionModule<SetPrefAction> = {
  ...setPrefModule,
  async plan(action, index, ctx): Promise<PlannedStep> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(action.bundleId) || action.bundleId.includes('..')) {
      throw new RatchetError(
        'ACTION_REFUSED',
        `${ctx.label}: refused bundle id '${action.bundleId}': it would leave the Preferences folder`,
        {
          hint: 'A bundle id looks like com.plexapp.agents.x.',
          details: { action: ctx.label, path: action.bundleId },
        },
      );
    }
    return setPrefModule.plan(action, index, ctx);
  },
};
