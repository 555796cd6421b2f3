import type { DependencyContainer } from 'tsyringe';
import type { PhaseFactoryContext } from '../contracts/phase-module.js';
import { TOKENS } from '../di/tokens.js';
import { RatchetError } from '../errors/ratchet-error.js';

function isClass(value: unknown): value is new (...args: unknown[]) => unknown {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/**
 * Turns a module's default export into an instance: a ready object, a factory function, or a class
 * built by a child DI container that holds the options under `TOKENS.PhaseOptions`.
 */
export async function constructFromModule<T>(
  moduleValue: unknown,
  options: Record<string, unknown>,
  factoryContext: PhaseFactoryContext,
  container: DependencyContainer,
  label: string,
  isInstance: (value: unknown) => value is T,
): Promise<T> {
  // A module namespace (from import()) without a default export has nothing we can use.
  const exported =
    moduleValue && typeof moduleValue === 'object'
      ? (moduleValue as { default?: unknown }).default
      : undefined;
  if (exported === undefined || exported === null) {
    throw new RatchetError('PHASE_RESOLVE_FAILED', `${label}: the module has no default export`, {
      hint: 'export default a factory (options, ctx) => phase, a class, or a phase object',
    });
  }
  let instance: unknown;
  try {
    if (isInstance(exported)) instance = exported;
    else if (isClass(exported)) {
      const child = container.createChildContainer();
      child.register(TOKENS.PhaseOptions, { useValue: options });
      child.register(TOKENS.ConfigDir, { useValue: factoryContext.configDir });
      instance = child.resolve(exported);
    } else if (typeof exported === 'function') {
      instance = await (exported as (o: unknown, c: PhaseFactoryContext) => unknown)(options, factoryContext);
    } else instance = exported;
  } catch (error) {
    // By code, not instanceof: a phase package may hold its own copy of @ratchet/core.
    if ((error as { name?: string } | undefined)?.name === 'RatchetError') throw error;
    throw new RatchetError(
      'PHASE_RESOLVE_FAILED',
      `${label}: could not construct it: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'a class needs @injectable() and @inject(TOKEN) on every constructor parameter',
      },
    );
  }
  if (!isInstance(instance)) {
    throw new RatchetError('PHASE_RESOLVE_FAILED', `${label}: the module did not produce what was expected`, {
      hint: 'a phase has `name` and `run(input, ctx)`; an implement phase also `rollback`; an exit policy has `name` and `evaluate(state)`',
    });
  }
  return instance;
}
