import { resolve } from 'node:path';
import {
  type AppliedFix,
  type Change,
  type Fix,
  type ImplementInput,
  type ImplementPhase,
  type PhaseContext,
  RatchetError,
  redactText,
  registerSecret,
} from '@ratchet/core';
import { capDiff } from '../actions/modules/content.js';
import { type KnownAction, parseActions } from '../actions/schemas.js';
import { type ApprovalTerminal, askApproval, processTerminal } from '../approval/ask-approval.js';
import { sha256 } from '../fs/hash.js';
import type { ResolvedImplementOptions } from '../options/options.js';
import { isInside, realPathOfDeepestAncestor, resolveRoots } from '../safety/resolve-target.js';
import { FixTransaction, lockFor, refuseIfApplied } from '../transaction/transaction.js';
import { type Plan, planFix, previewDiff } from './plan.js';

export interface ImplementPhaseDeps {
  /** Where the approval question is asked; the process's stdin/stderr by default. */
  terminal?: ApprovalTerminal;
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

/**
 * The implement phase: parses and plans a fix (each action through its module), shows it for
 * approval, then hands it to the transaction (backup, apply, restore on failure).
 */
export class FileImplementPhase implements ImplementPhase {
  readonly name = 'implement';
  private readonly options: ResolvedImplementOptions;
  private readonly settings: Readonly<Record<string, unknown>>;
  private readonly terminal: ApprovalTerminal;

  private readonly transaction: FixTransaction;

  constructor(
    options: ResolvedImplementOptions,
    settings: Readonly<Record<string, unknown>>,
    deps: ImplementPhaseDeps = {},
  ) {
    this.options = options;
    this.settings = settings;
    this.terminal = deps.terminal ?? processTerminal;
    this.transaction = new FixTransaction(options);
  }

  private redact(text: string): string {
    registerSecret(this.options.token);
    return redactText(text);
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

  /** What applying the fix would change, with diffs; nothing is changed or written. */
  async preview(fix: Fix, _ctx: PhaseContext): Promise<AppliedFix> {
    const plan = await planFix(
      fix.id,
      parseActions(fix.id, fix.actions),
      await this.scope(),
      this.options.restart !== undefined,
    );
    return this.dryRunResult(fix, plan, Date.now());
  }

  async run(input: ImplementInput, ctx: PhaseContext): Promise<AppliedFix> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const { fix } = input;
    const dryRun = input.dryRun ?? this.settings.dryRun === true;
    const actions = parseActions(fix.id, fix.actions);
    this.refuseCommandsUnlessAllowed(fix, actions);
    if (!dryRun) await refuseIfApplied(fix, ctx.outDir);
    const scope = await this.scope();
    await refuseOutputInRoots(ctx.outDir, scope.roots);
    const plan = await planFix(fix.id, actions, scope, this.options.restart !== undefined, (text) =>
      this.redact(text),
    );

    if (dryRun) {
      const applied = this.dryRunResult(fix, plan, started);
      await this.transaction.report(ctx, {
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

    const release = await lockFor(ctx.outDir);
    try {
      return await this.transaction.apply(fix, actions, plan, ctx, started);
    } finally {
      await release();
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
    changes.push(...plan.notes);
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

  async rollback(applied: AppliedFix, ctx: PhaseContext): Promise<void> {
    await this.transaction.rollback(applied, ctx);
  }

  async recover(fix: Fix, ctx: PhaseContext): Promise<void> {
    await this.transaction.recover(fix, ctx);
  }
}
