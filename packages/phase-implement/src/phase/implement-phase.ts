import { chmod, lstat, mkdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type AppliedFix,
  type Change,
  describeError,
  type Fix,
  type ImplementInput,
  type ImplementPhase,
  isRatchetError,
  type PhaseContext,
  RatchetError,
} from '@ratchet/core';
import { createTwoFilesPatch } from 'diff';
import { minimalEnv, runArgv } from '../actions/command.js';
import { isContentAction, readTextAt, transformContent } from '../actions/content.js';
import { type CommandAction, type KnownAction, parseActions } from '../actions/schemas.js';
import { type ApprovalTerminal, askApproval, processTerminal } from '../approval/ask-approval.js';
import { writeChildAtomic } from '../fs/atomic-write.js';
import {
  changedSincePlanning,
  identityOf,
  lstatChild,
  sameIdentity,
  withFolder,
  withParent,
} from '../fs/confined.js';
import { sha256, sha256File } from '../fs/hash.js';
import { hardLinkRefused, moveChild } from '../fs/move.js';
import type { ResolvedImplementOptions } from '../options/options.js';
import { type ImplementationRecord, writeImplementationReport } from '../report/write-report.js';
import { redact } from '../restart/redact.js';
import { restartServer } from '../restart/restart-server.js';
import {
  isInside,
  realPathOfDeepestAncestor,
  resolveRoots,
  resolveTarget,
} from '../safety/resolve-target.js';
import { backupTargets } from '../transaction/backup.js';
import { faultPoint } from '../transaction/fault-injection.js';
import { acquireLock } from '../transaction/lock.js';
import {
  appendProgress,
  backupFolderFor,
  createProgress,
  type Manifest,
  readManifest,
  readStartedActions,
  writeManifest,
} from '../transaction/manifest.js';
import {
  clearSpecialModes,
  describeMismatch,
  findSpecialModes,
  restoreTargets,
} from '../transaction/restore.js';
import { actionFailed, actionLabel, type Plan, type PlannedStep, planFix, previewDiff } from './plan.js';

export interface ImplementPhaseDeps {
  /** Where the approval question is asked; the process's stdin/stderr by default. */
  terminal?: ApprovalTerminal;
}

/** The largest diff kept in a change record and the report; larger ones are cut with a note. */
const MAX_DIFF_CHARS = 64 * 1024;
/** Diffing is quadratic at worst: files larger than this get a note instead of a diff. */
const MAX_DIFF_INPUT_CHARS = 1024 * 1024;

function diffOrNote(path: string, before: string | undefined, after: string): string {
  if ((before?.length ?? 0) + after.length > MAX_DIFF_INPUT_CHARS) {
    return `(no diff: ${path} is larger than ${MAX_DIFF_INPUT_CHARS / 1024 / 1024} MiB; see the hashes)\n`;
  }
  return capDiff(createTwoFilesPatch(before === undefined ? '/dev/null' : path, path, before ?? '', after));
}

function capDiff(diff: string): string {
  return diff.length > MAX_DIFF_CHARS
    ? `${diff.slice(0, MAX_DIFF_CHARS)}\n... (diff cut at ${MAX_DIFF_CHARS} characters)\n`
    : diff;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Ratchet's own state must be out of reach of the fixes it applies (and the other way round). */
async function refuseOutputInRoots(outDir: string, roots: readonly string[]): Promise<void> {
  const out = await realPathOfDeepestAncestor(resolve(outDir));
  const root = roots.find((candidate) => isInside(candidate, out) || isInside(out, candidate));
  if (root) {
    throw new RatchetError(
      'ACTION_REFUSED',
      `the output folder ${out} and the implement root ${root} overlap`,
      {
        hint: "Put the output folder outside every root: a fix could otherwise rewrite Ratchet's own state.",
        details: { outDir: out, root },
      },
    );
  }
}

/** The bytes backed up must be those the plan (and the approval) saw. */
function refuseChangedSincePlanning(targets: Manifest['targets'], plan: Plan): void {
  for (const target of targets) {
    const planned = plan.plannedHashes.get(target.path);
    if (planned !== undefined && target.sha256 !== planned) {
      throw changedSincePlanning(target.path, 'its content is not what was planned (and approved)');
    }
  }
}

export class FileImplementPhase implements ImplementPhase {
  readonly name = 'implement';
  private readonly options: ResolvedImplementOptions;
  private readonly settings: Readonly<Record<string, unknown>>;
  private readonly terminal: ApprovalTerminal;

  constructor(
    options: ResolvedImplementOptions,
    settings: Readonly<Record<string, unknown>>,
    deps: ImplementPhaseDeps = {},
  ) {
    this.options = options;
    this.settings = settings;
    this.terminal = deps.terminal ?? processTerminal;
  }

  private redact(text: string): string {
    return redact(text, this.options.token);
  }

  private commandEnv(): Record<string, string> {
    return minimalEnv(this.options.commands.env);
  }

  /** `command` actions run only when the config allows them (an external diagnoser may propose any). */
  private refuseCommandsUnlessAllowed(fix: Fix, actions: readonly KnownAction[]): void {
    const index = actions.findIndex((action) => action.type === 'command');
    if (index === -1 || this.options.commands.allow) return;
    throw new RatchetError(
      'ACTION_REFUSED',
      `fix '${fix.id}': actions[${index}] is a command, and commands are not allowed by the config`,
      {
        hint: 'A command can change anything; allow them with with: { commands: { allow: true } } for the implement phase.',
        details: { fixId: fix.id, action: index },
      },
    );
  }

  private async scope() {
    const roots = await resolveRoots(this.options.roots);
    return { roots, baseDir: this.options.baseDir };
  }

  async run(input: ImplementInput, ctx: PhaseContext): Promise<AppliedFix> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const { fix } = input;
    const dryRun = input.dryRun ?? this.settings.dryRun === true;
    const actions = parseActions(fix.id, fix.actions);
    this.refuseCommandsUnlessAllowed(fix, actions);
    if (!dryRun) await this.refuseIfApplied(fix, ctx);
    const scope = await this.scope();
    await refuseOutputInRoots(ctx.outDir, scope.roots);
    const plan = await planFix(fix.id, actions, scope, this.options.restart !== undefined);

    if (dryRun) {
      const applied = this.dryRunResult(fix, plan, started);
      await this.report(ctx, {
        fixId: fix.id,
        ...(fix.name ? { fixName: fix.name } : {}),
        outcome: 'dry-run',
        startedAt,
        durationMs: applied.durationMs ?? 0,
        restarted: false,
        changes: applied.changes,
        targets: [],
      });
      return applied;
    }

    if ((this.options.approve || this.settings.approve === true) && this.settings.yes !== true) {
      const approved = await askApproval(fix.id, this.approvalSummary(fix, plan), this.terminal);
      if (!approved) {
        throw new RatchetError('ACTION_REFUSED', `fix '${fix.id}' was not approved; nothing was changed`, {
          details: { fixId: fix.id },
        });
      }
    }

    const release = await acquireLock(join(ctx.outDir, 'backups', '.implement.lock'));
    try {
      return await this.apply(fix, actions, plan, ctx, started);
    } finally {
      await release();
    }
  }

  private async refuseIfApplied(fix: Fix, ctx: PhaseContext): Promise<void> {
    const folder = backupFolderFor(ctx.outDir, fix.id);
    if ((await readManifest(folder))?.status === 'applied') {
      throw new RatchetError('ACTION_REFUSED', `fix '${fix.id}' is already applied (see ${folder})`, {
        hint: 'Roll it back before applying it again.',
      });
    }
  }

  private async prepareBackupFolder(fix: Fix, ctx: PhaseContext): Promise<string> {
    const folder = backupFolderFor(ctx.outDir, fix.id);
    if (await exists(folder)) {
      const previous = await readManifest(folder);
      if (previous?.status === 'applying') {
        ctx.log.warn(`implement: an earlier apply of '${fix.id}' was interrupted; restoring it first`);
        await this.recoverFolder(folder, previous, ctx);
      } else if (previous?.status === 'applied') {
        await this.refuseIfApplied(fix, ctx);
      }
      // A finished attempt's backups are kept, renamed, never deleted.
      await rename(folder, `${folder}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
    }
    await mkdir(folder, { recursive: true, mode: 0o700 });
    // Backups hold copies of files other users must not read or run: root (the owner) only.
    await chmod(join(folder, '..'), 0o700);
    await chmod(folder, 0o700);
    return folder;
  }

  private async apply(
    fix: Fix,
    actions: KnownAction[],
    plan: Plan,
    ctx: PhaseContext,
    started: number,
  ): Promise<AppliedFix> {
    const startedAt = new Date(started).toISOString();
    const folder = await this.prepareBackupFolder(fix, ctx);
    let targets: Manifest['targets'];
    try {
      targets = await backupTargets(folder, plan.targets);
      refuseChangedSincePlanning(targets, plan);
    } catch (error) {
      if (isRatchetError(error) && error.code === 'ACTION_REFUSED')
        throw new RatchetError('ACTION_REFUSED', `fix '${fix.id}': ${error.message}; nothing was changed`, {
          ...(error.hint ? { hint: error.hint } : {}),
          cause: error,
          details: { fixId: fix.id, backups: folder },
        });
      throw new RatchetError(
        'ACTION_FAILED',
        `fix '${fix.id}': backing up the targets failed, nothing was changed: ${describeError(error)}`,
        {
          cause: error,
          details: { fixId: fix.id, backups: folder },
        },
      );
    }
    const manifest: Manifest = {
      version: 1,
      fixId: fix.id,
      ...(fix.name ? { fixName: fix.name } : {}),
      createdAt: startedAt,
      updatedAt: startedAt,
      status: 'applying',
      actions,
      targets,
      restarts: actions.some((action) => action.type === 'restart'),
      ...(typeof ctx.state?.runId === 'string' ? { runId: ctx.state.runId } : {}),
      iteration: ctx.iteration,
    };
    await createProgress(folder);
    await writeManifest(folder, manifest);
    ctx.log.info(`implement: applying '${fix.id}' (${actions.length} action(s)); backups in ${folder}`);

    const changes: Change[] = [];
    let restarted = false;
    try {
      for (const step of plan.steps) {
        ctx.progress(`applying ${actionLabel(step)}`, step.index, plan.steps.length);
        if (ctx.signal.aborted)
          throw new RatchetError('INTERRUPTED', `fix '${fix.id}' interrupted before ${actionLabel(step)}`);
        await faultPoint('before-action', step.index);
        await appendProgress(folder, 'start', step.index);
        const change = await this.applyStep(fix.id, step, manifest, folder, ctx);
        if (step.action.type === 'restart') restarted = true;
        changes.push(change);
        await appendProgress(folder, 'done', step.index);
        await faultPoint('after-action', step.index);
      }
    } catch (error) {
      const reason = this.redact(describeError(error));
      ctx.log.error(`implement: ${reason}; restoring every target of '${fix.id}'`);
      let problems: string[] = [];
      try {
        problems = await this.restoreFolder(folder, manifest, ctx, await readStartedActions(folder));
      } catch (restoreError) {
        manifest.status = 'failed';
        manifest.error = `${reason}; restore failed: ${this.redact(describeError(restoreError))}`;
        await writeManifest(folder, manifest);
        await this.reportFailure(ctx, fix, startedAt, started, folder, changes, manifest, false);
        throw new RatchetError(
          'ROLLBACK_FAILED',
          `fix '${fix.id}' failed (${reason}) and restoring failed too: ${this.redact(describeError(restoreError))}`,
          {
            hint: `The original files are in ${folder} (see manifest.json).`,
            cause: restoreError,
            details: { fixId: fix.id, backups: folder },
          },
        );
      }
      const restored = `every target was restored${problems.length ? `, but ${problems.join('; ')}` : ''}`;
      manifest.status = 'failed';
      manifest.error = `${reason}; ${restored}`;
      await writeManifest(folder, manifest);
      await this.reportFailure(ctx, fix, startedAt, started, folder, changes, manifest, true);
      if (isRatchetError(error) && (error.code === 'ACTION_FAILED' || error.code === 'INTERRUPTED')) {
        throw new RatchetError(error.code, `${this.redact(error.message)}; ${restored}`, {
          cause: error,
          details: { ...(error.details ?? {}), fixId: fix.id, restored: true },
        });
      }
      throw new RatchetError('ACTION_FAILED', `fix '${fix.id}' failed: ${reason}; ${restored}`, {
        cause: error,
        details: { fixId: fix.id, restored: true },
      });
    }

    manifest.status = 'applied';
    await writeManifest(folder, manifest);
    const durationMs = Date.now() - started;
    const applied: AppliedFix = { fixId: fix.id, changes, backups: folder, restarted, durationMs };
    await this.report(ctx, {
      fixId: fix.id,
      ...(fix.name ? { fixName: fix.name } : {}),
      outcome: 'applied',
      startedAt,
      durationMs,
      backups: folder,
      restarted,
      changes,
      targets: await this.targetHashes(manifest),
    });
    ctx.log.info(`implement: applied '${fix.id}' in ${durationMs} ms`);
    return applied;
  }

  private async applyStep(
    fixId: string,
    step: PlannedStep,
    manifest: Manifest,
    folder: string,
    ctx: PhaseContext,
  ): Promise<Change> {
    const { action, path } = step;
    try {
      if (isContentAction(action) && path) {
        const target = manifest.targets.find((candidate) => candidate.path === path);
        return await withParent(
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
              description: this.describe(action),
              hashBefore: before === undefined ? null : sha256(before),
              hashAfter: sha256(after),
              diff: this.redact(diffOrNote(path, before, after)),
            };
          },
          { create: true },
        );
      }
      if (action.type === 'delete' && path) {
        const index = manifest.targets.findIndex((candidate) => candidate.path === path);
        const target = manifest.targets[index];
        const absent: Change = {
          action: 'delete',
          path,
          description: 'already absent; nothing to delete',
          hashBefore: null,
          hashAfter: null,
        };
        if (!target) return absent;
        return await withParent(path, target.parents, async (dir, name) => {
          const stat = await lstatChild(dir, name);
          if (!stat) return absent;
          if (target.identity && !sameIdentity(identityOf(stat), target.identity))
            throw changedSincePlanning(path, 'another file or folder is in its place');
          if (stat.isDirectory()) {
            const backup = join(folder, target.backup ?? `trees/${index}`);
            await withParent(backup, undefined, (backups, backupName) =>
              moveChild(dir, name, backups, backupName),
            );
            // A moved folder keeps its files' modes; setuid and setgid are recorded, then cleared.
            target.specialModes = await findSpecialModes(backup);
            await writeManifest(folder, manifest);
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
      }
      if (action.type === 'command') {
        const run = (cwd: string | undefined) =>
          runArgv(action.argv, {
            ...(cwd ? { cwd } : {}),
            env: this.commandEnv(),
            ...(action.timeoutMs ? { timeoutMs: action.timeoutMs } : {}),
            signal: ctx.signal,
          });
        if (path) await withFolder(path, step.parents, (dir) => run(dir.self));
        else await run(undefined);
        return {
          action: 'command',
          ...(path ? { path } : {}),
          description: `ran ${this.redact(JSON.stringify(action.argv))}`,
        };
      }
      if (action.type === 'restart' && this.options.restart) {
        const report = await restartServer(this.options.restart, {
          ...(this.options.token ? { token: this.options.token } : {}),
          log: ctx.log,
          signal: ctx.signal,
        });
        return {
          action: 'restart',
          description: `restarted; healthy after ${report.durationMs} ms (${report.healthChecks} check(s))`,
        };
      }
    } catch (error) {
      if (isRatchetError(error)) throw error;
      throw actionFailed(fixId, step, this.redact((error as Error).message), error);
    }
    throw actionFailed(fixId, step, 'the action could not be run');
  }

  private describe(action: KnownAction): string {
    switch (action.type) {
      case 'edit':
        return `replaced ${action.count} match(es)`;
      case 'patch':
        return 'applied the diff';
      case 'set-pref':
        return `${action.bundleId}: ${action.key} = ${this.redact(action.value)}`;
      case 'json-set':
        return `set ${Array.isArray(action.path) ? action.path.join('.') : action.path}`;
      default:
        return action.type;
    }
  }

  private dryRunResult(fix: Fix, plan: Plan, started: number): AppliedFix {
    const changes: Change[] = [];
    for (const preview of plan.previews) {
      if (preview.beforeKind === 'absent' && preview.after === undefined) continue;
      const diff = previewDiff(preview);
      const description =
        preview.beforeKind === 'dir'
          ? 'would move the folder into the backup'
          : preview.after === undefined
            ? 'would remove the file (a copy kept in the backup)'
            : preview.beforeKind === 'absent'
              ? 'would create the file'
              : 'would change the file';
      changes.push({
        action: preview.after === undefined ? 'delete' : 'write',
        path: preview.path,
        description,
        hashBefore: preview.before === undefined ? null : sha256(preview.before),
        hashAfter: preview.after === undefined ? null : sha256(preview.after),
        ...(diff ? { diff: this.redact(capDiff(diff)) } : {}),
      });
    }
    for (const step of plan.steps) {
      if (step.action.type === 'command') {
        changes.push({
          action: 'command',
          ...(step.path ? { path: step.path } : {}),
          description: `would run ${this.redact(JSON.stringify(step.action.argv))}`,
        });
      } else if (step.action.type === 'restart') {
        changes.push({
          action: 'restart',
          description: 'would restart the server and wait until it is healthy',
        });
      }
    }
    return { fixId: fix.id, changes, dryRun: true, restarted: false, durationMs: Date.now() - started };
  }

  private approvalSummary(fix: Fix, plan: Plan): string {
    const preview = this.dryRunResult(fix, plan, Date.now());
    const lines = [`Fix '${fix.id}'${fix.name ? `: ${fix.name}` : ''} would:`];
    for (const change of preview.changes) {
      lines.push(`  - ${change.description}${change.path ? ` (${change.path})` : ''}`);
      if (typeof change.diff === 'string') lines.push(change.diff.replace(/^/gm, '    '));
    }
    return lines.join('\n');
  }

  private async targetHashes(manifest: Manifest): Promise<ImplementationRecord['targets']> {
    const result: ImplementationRecord['targets'] = [];
    for (const target of manifest.targets) {
      const after = await lstat(target.path).catch(() => undefined);
      result.push({
        path: target.path,
        kind: target.kind,
        hashBefore: target.sha256,
        // A report must never turn a result into a failure: an unreadable target gets no hash.
        hashAfter: after?.isFile() ? await sha256File(target.path, after.size).catch(() => null) : null,
        mode: target.mode,
      });
    }
    return result;
  }

  private async report(ctx: PhaseContext, record: ImplementationRecord): Promise<void> {
    try {
      await writeImplementationReport(ctx.runDir, record);
    } catch (error) {
      ctx.log.warn(`implement: could not write implementation.json: ${describeError(error)}`);
    }
  }

  private async reportFailure(
    ctx: PhaseContext,
    fix: Fix,
    startedAt: string,
    started: number,
    folder: string,
    changes: Change[],
    manifest: Manifest,
    restored: boolean,
  ): Promise<void> {
    await this.report(ctx, {
      fixId: fix.id,
      ...(fix.name ? { fixName: fix.name } : {}),
      outcome: 'failed',
      startedAt,
      durationMs: Date.now() - started,
      backups: folder,
      restarted: false,
      changes,
      targets: await this.targetHashes(manifest),
      ...(manifest.error ? { error: manifest.error } : {}),
      restoredAfterFailure: restored,
    });
  }

  /**
   * Undoes started commands (newest first), restores every target (throws if that fails), then
   * restarts if a restart had begun. Returns the problems that did not stop the files coming back.
   */
  private async restoreFolder(
    folder: string,
    manifest: Manifest,
    ctx: PhaseContext,
    started: ReadonlySet<number>,
  ): Promise<string[]> {
    const actions = manifest.actions as KnownAction[];
    const problems: string[] = [];
    for (let index = actions.length - 1; index >= 0; index -= 1) {
      const action = actions[index];
      if (action?.type !== 'command' || !started.has(index)) continue;
      const command = action as CommandAction;
      if (!command.undo) {
        ctx.log.warn(
          `implement: actions[${index}] (command) has no undo; its effects outside the backed-up files stay`,
        );
        continue;
      }
      try {
        const scope = await this.scope();
        const cwd = await resolveTarget(command.cwd ?? scope.baseDir, scope, `actions[${index}] (undo)`, {
          allowRoot: true,
        });
        await withFolder(cwd, undefined, (dir) =>
          runArgv(command.undo as string[], {
            cwd: dir.self,
            env: this.commandEnv(),
            ...(command.timeoutMs ? { timeoutMs: command.timeoutMs } : {}),
          }),
        );
      } catch (error) {
        problems.push(`undo of actions[${index}] failed: ${this.redact((error as Error).message)}`);
      }
    }
    await restoreTargets(folder, manifest, ctx.log);
    const restartBegan = actions.some((action, index) => action.type === 'restart' && started.has(index));
    if (restartBegan && this.options.restart) {
      try {
        await restartServer(this.options.restart, {
          ...(this.options.token ? { token: this.options.token } : {}),
          log: ctx.log,
        });
      } catch (error) {
        problems.push(`the restart after restoring failed: ${this.redact((error as Error).message)}`);
      }
    }
    for (const problem of problems) ctx.log.warn(`implement: ${problem}`);
    return problems;
  }

  private async recoverFolder(folder: string, manifest: Manifest, ctx: PhaseContext): Promise<void> {
    const started =
      manifest.status === 'applied'
        ? new Set(manifest.actions.map((_, index) => index))
        : await readStartedActions(folder);
    const problems = await this.restoreFolder(folder, manifest, ctx, started);
    manifest.status = 'recovered';
    if (problems.length) manifest.error = problems.join('; ');
    await writeManifest(folder, manifest);
  }

  async rollback(applied: AppliedFix, ctx: PhaseContext): Promise<void> {
    if (applied.dryRun) return;
    const folder = applied.backups ?? backupFolderFor(ctx.outDir, applied.fixId);
    const release = await acquireLock(join(ctx.outDir, 'backups', '.implement.lock'));
    try {
      const manifest = await readManifest(folder);
      if (!manifest) {
        throw new RatchetError('ROLLBACK_FAILED', `fix '${applied.fixId}': no backup manifest in ${folder}`, {
          hint: 'Without its manifest the fix cannot be undone automatically.',
        });
      }
      if (manifest.fixId !== applied.fixId) {
        throw new RatchetError(
          'ROLLBACK_FAILED',
          `fix '${applied.fixId}': the backups in ${folder} belong to fix '${manifest.fixId}'`,
          { hint: 'Pass the AppliedFix that run() returned for this fix.' },
        );
      }
      if (manifest.status !== 'applied' && manifest.status !== 'applying') {
        const drift = [];
        for (const target of manifest.targets) {
          const mismatch = await describeMismatch(target);
          if (mismatch) drift.push(`${target.path}: ${mismatch}`);
        }
        if (drift.length)
          ctx.log.warn(
            `implement: '${applied.fixId}' was already restored (${manifest.status}), but files changed since`,
            { drift },
          );
        return;
      }
      const started =
        manifest.status === 'applied'
          ? new Set(manifest.actions.map((_, index) => index))
          : await readStartedActions(folder);
      let problems: string[];
      try {
        problems = await this.restoreFolder(folder, manifest, ctx, started);
      } catch (error) {
        throw new RatchetError(
          'ROLLBACK_FAILED',
          `fix '${applied.fixId}': ${this.redact(describeError(error))}`,
          {
            hint: `The original files are in ${folder} (see manifest.json).`,
            cause: error,
          },
        );
      }
      manifest.status = 'rolled-back';
      if (problems.length) manifest.error = problems.join('; ');
      await writeManifest(folder, manifest);
      if (problems.length) {
        throw new RatchetError(
          'ROLLBACK_FAILED',
          `fix '${applied.fixId}': the files were restored, but ${problems.join('; ')}`,
          { hint: 'Check the server, and restart it by hand if it is not running.' },
        );
      }
      ctx.log.info(`implement: rolled back '${applied.fixId}'`);
    } finally {
      await release();
    }
  }

  async recover(fix: Fix, ctx: PhaseContext): Promise<void> {
    const folder = backupFolderFor(ctx.outDir, fix.id);
    const release = await acquireLock(join(ctx.outDir, 'backups', '.implement.lock'));
    try {
      const manifest = await readManifest(folder);
      if (!manifest) {
        // The crash came before the manifest was written: nothing had changed yet.
        if (await exists(folder)) await rename(folder, `${folder}.incomplete-${Date.now()}`);
        ctx.log.info(`implement: '${fix.id}' had not started changing anything; nothing to recover`);
        return;
      }
      if (manifest.status !== 'applying' && manifest.status !== 'applied') {
        ctx.log.info(`implement: '${fix.id}' is already ${manifest.status}; nothing to recover`);
        return;
      }
      const sameAttempt = manifest.runId === ctx.state?.runId && manifest.iteration === ctx.iteration;
      if (manifest.status === 'applied' && !sameAttempt) {
        // A finished apply from another run or iteration (a kept fix) is not this attempt's to undo.
        ctx.log.info(`implement: '${fix.id}' was applied by an earlier attempt; recover leaves it as it is`);
        return;
      }
      try {
        await this.recoverFolder(folder, manifest, ctx);
      } catch (error) {
        throw new RatchetError(
          'ROLLBACK_FAILED',
          `recovering fix '${fix.id}' failed: ${this.redact(describeError(error))}`,
          {
            hint: `The original files are in ${folder} (see manifest.json).`,
            cause: error,
          },
        );
      }
      ctx.log.info(`implement: recovered '${fix.id}' from ${folder}`);
    } finally {
      await release();
    }
  }
}
