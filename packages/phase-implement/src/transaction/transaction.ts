import { chmod, lstat, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AppliedFix,
  type Change,
  describeError,
  type Fix,
  isRatchetError,
  type PhaseContext,
  RatchetError,
  redactText,
  registerSecret,
} from '@ratchet/core';
import { minimalEnv, runArgv } from '../actions/command.js';
import { actionModule } from '../actions/registry.js';
import type { CommandAction, KnownAction } from '../actions/schemas.js';
import { changedSincePlanning, withFolder } from '../fs/confined.js';
import { sha256File } from '../fs/hash.js';
import type { ResolvedImplementOptions } from '../options/options.js';
import { actionFailed, actionLabel, type Plan, type PlannedStep } from '../phase/plan.js';
import { type ImplementationRecord, writeImplementationReport } from '../report/write-report.js';
import { restartServer } from '../restart/restart-server.js';
import { resolveRoots, resolveTarget } from '../safety/resolve-target.js';
import { backupTargets } from './backup.js';
import { faultPoint } from './fault-injection.js';
import { acquireLock } from './lock.js';
import {
  appendProgress,
  backupFolderFor,
  createProgress,
  type Manifest,
  readManifest,
  readStartedActions,
  writeManifest,
} from './manifest.js';
import { describeMismatch, restoreTargets } from './restore.js';

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
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

export async function refuseIfApplied(fix: Fix, outDir: string): Promise<void> {
  const folder = backupFolderFor(outDir, fix.id);
  if ((await readManifest(folder))?.status === 'applied') {
    throw new RatchetError('ACTION_REFUSED', `fix '${fix.id}' is already applied (see ${folder})`, {
      hint: 'Roll it back before applying it again.',
    });
  }
}

/** The implement lock: one apply, rollback or recovery at a time per output folder. */
export function lockFor(outDir: string) {
  return acquireLock(join(outDir, 'backups', '.implement.lock'));
}

/**
 * One fix as a transaction over the files: `apply` backs up every target, writes the manifest, runs
 * each action through its module and, on any failure, `restore`s everything; `rollback` undoes a
 * fix that was applied; `recover` finishes what a killed process left (see docs/implement.md).
 */
export class FixTransaction {
  constructor(private readonly options: ResolvedImplementOptions) {}

  private redact(text: string): string {
    registerSecret(this.options.token);
    return redactText(text);
  }

  private async scope() {
    return { roots: await resolveRoots(this.options.roots), baseDir: this.options.baseDir };
  }

  private async prepareBackupFolder(fix: Fix, ctx: PhaseContext): Promise<string> {
    const folder = backupFolderFor(ctx.outDir, fix.id);
    if (await exists(folder)) {
      const previous = await readManifest(folder);
      if (previous?.status === 'applying') {
        ctx.log.warn(`implement: an earlier apply of '${fix.id}' was interrupted; restoring it first`);
        await this.recoverFolder(folder, previous, ctx);
      } else if (previous?.status === 'applied') {
        await refuseIfApplied(fix, ctx.outDir);
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

  async apply(
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
        problems = await this.restore(folder, manifest, ctx, await readStartedActions(folder));
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
    try {
      return await actionModule(step.action).apply(step as never, {
        fixId,
        manifest,
        folder,
        phase: ctx,
        options: this.options,
        redact: (text) => this.redact(text),
        saveManifest: () => writeManifest(folder, manifest),
      });
    } catch (error) {
      // A failed restart keeps its own code as the cause: the engine stops the run on it.
      const restartFailed =
        isRatchetError(error) && (error.code === 'RESTART_FAILED' || error.code === 'HEALTH_CHECK_FAILED');
      if (isRatchetError(error) && !restartFailed) throw error;
      throw actionFailed(fixId, step, this.redact((error as Error).message), error);
    }
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

  async report(ctx: PhaseContext, record: ImplementationRecord): Promise<void> {
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
  async restore(
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
            env: minimalEnv(this.options.commands.env),
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
    const problems = await this.restore(folder, manifest, ctx, started);
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
        problems = await this.restore(folder, manifest, ctx, started);
      } catch (error) {
        // The manifest stays `applied` (it is not rolled back) and says why, for the user and resume.
        manifest.error = `rollback failed: ${this.redact(describeError(error))}`;
        await writeManifest(folder, manifest);
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
