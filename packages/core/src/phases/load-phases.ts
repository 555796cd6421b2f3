import type { DependencyContainer } from 'tsyringe';
import type { PhaseRef, RatchetConfig } from '../config/schema.js';
import type { ExitPolicy } from '../contracts/exit-policy.js';
import type { Logger } from '../contracts/logger.js';
import type { Phase, PhaseKind, PhaseSet } from '../contracts/phase.js';
import type { PhaseFactoryContext } from '../contracts/phase-module.js';
import { RatchetError } from '../errors/ratchet-error.js';
import { BUILTIN_POLICY_NAMES } from '../policies/builtin.js';
import { constructFromModule } from './construct.js';
import { importModule } from './module-loader.js';
import { createSubprocessPhase } from './subprocess/index.js';

const PHASE_KINDS: PhaseKind[] = ['aggregate', 'diagnose', 'implement', 'test'];

function isPhase(value: unknown): value is Phase<unknown, unknown> {
  return !!value && typeof value === 'object' && typeof (value as Phase<unknown, unknown>).run === 'function';
}

function isImplementPhase(value: unknown): value is Phase<unknown, unknown> {
  return isPhase(value) && typeof (value as unknown as { rollback?: unknown }).rollback === 'function';
}

export function isExitPolicy(value: unknown): value is ExitPolicy {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as ExitPolicy).name === 'string' &&
    typeof (value as ExitPolicy).evaluate === 'function'
  );
}

export interface LoadContext {
  configDir: string;
  container: DependencyContainer;
  log: Logger;
  settings: Record<string, unknown>;
  /** Files to resolve packages from, after the config's folder (the CLI's own location). */
  resolveFrom?: string[];
}

export async function loadPhase(
  kind: PhaseKind,
  ref: PhaseRef,
  ctx: LoadContext,
): Promise<Phase<unknown, unknown>> {
  if ('command' in ref) {
    return createSubprocessPhase(kind, ref, { configDir: ctx.configDir, log: ctx.log }) as Phase<
      unknown,
      unknown
    >;
  }
  const label = `phases.${kind} (${ref.use})`;
  const moduleValue = await importModule(ref.use, ctx.configDir, label, ctx.resolveFrom);
  const factoryContext: PhaseFactoryContext = {
    configDir: ctx.configDir,
    log: ctx.log,
    settings: ctx.settings,
  };
  const check = kind === 'implement' ? isImplementPhase : isPhase;
  return constructFromModule(moduleValue, ref.with, factoryContext, ctx.container, label, check);
}

/** Builds the four phases the config names; one failure names the phase and module that failed. */
export async function loadPhases(config: RatchetConfig, ctx: LoadContext): Promise<PhaseSet> {
  const loaded: Partial<Record<PhaseKind, Phase<unknown, unknown>>> = {};
  for (const kind of PHASE_KINDS) loaded[kind] = await loadPhase(kind, config.phases[kind], ctx);
  return loaded as unknown as PhaseSet;
}

export async function loadCustomPolicies(config: RatchetConfig, ctx: LoadContext): Promise<ExitPolicy[]> {
  const policies: ExitPolicy[] = [];
  for (const [index, ref] of config.exit.custom.entries()) {
    const label = `exit.custom.${index} (${ref.use})`;
    const moduleValue = await importModule(ref.use, ctx.configDir, label, ctx.resolveFrom);
    const factoryContext: PhaseFactoryContext = {
      configDir: ctx.configDir,
      log: ctx.log,
      settings: ctx.settings,
    };
    policies.push(
      await constructFromModule(moduleValue, ref.with, factoryContext, ctx.container, label, isExitPolicy),
    );
  }
  const names = policies.map((policy) => policy.name);
  if (names.length !== new Set(names).size) {
    throw new RatchetError('CONFIG_INVALID', 'exit.custom: two custom exit policies have the same name');
  }
  // A policy's name keys its persisted memory: a custom one must not share a built-in's.
  const clash = names.find((name) => BUILTIN_POLICY_NAMES.includes(name));
  if (clash) {
    throw new RatchetError(
      'CONFIG_INVALID',
      `exit.custom: the policy name '${clash}' is taken by a built-in policy`,
      {
        hint: `built-in names: ${BUILTIN_POLICY_NAMES.join(', ')}`,
      },
    );
  }
  return policies;
}
