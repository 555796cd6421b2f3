import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container, inject, injectable } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/logger.js';
import type { Phase } from '../contracts/phase.js';
import { TOKENS } from '../di/tokens.js';
import type { RatchetError } from '../errors/ratchet-error.js';
import { constructFromModule } from './construct.js';
import { isExitPolicy, loadPhase } from './load-phases.js';

const isPhase = (value: unknown): value is Phase<unknown, unknown> =>
  !!value && typeof (value as Phase<unknown, unknown>).run === 'function';
const factoryContext = { configDir: '/project', log: silentLogger, settings: {} };

@injectable()
class OptionsPhase implements Phase<unknown, unknown> {
  readonly name = 'options-phase';
  constructor(
    @inject(TOKENS.PhaseOptions) readonly options: Record<string, unknown>,
    @inject(TOKENS.ConfigDir) readonly configDir: string,
  ) {}
  async run() {
    return { metrics: { threshold: this.options.threshold as number }, errorTypes: [] };
  }
}

class Undecorated {
  constructor(readonly dependency: { run(): void }) {}
}

async function construct(moduleValue: unknown, options: Record<string, unknown> = {}) {
  return constructFromModule(
    moduleValue,
    options,
    factoryContext,
    container.createChildContainer(),
    'phases.aggregate (./x.mjs)',
    isPhase,
  );
}

async function failure(moduleValue: unknown): Promise<RatchetError> {
  try {
    await construct(moduleValue);
  } catch (error) {
    return error as RatchetError;
  }
  throw new Error('expected a failure');
}

describe('turning a module into a phase', () => {
  it('calls a default-exported factory with the options and the factory context', async () => {
    const phase = await construct(
      {
        default: (options: Record<string, unknown>, ctx: { configDir: string }) => ({
          name: `f:${options.n}:${ctx.configDir}`,
          run: async () => ({}),
        }),
      },
      { n: 3 },
    );
    expect(phase.name).toBe('f:3:/project');
  });

  it('takes a ready phase object as it is', async () => {
    const object = { name: 'ready', run: async () => ({}) };
    expect(await construct({ default: object })).toBe(object);
  });

  it('builds an injectable class through a child container that holds the options and config folder', async () => {
    const phase = (await construct({ default: OptionsPhase }, { threshold: 60 })) as OptionsPhase;
    expect(phase).toBeInstanceOf(OptionsPhase);
    expect(phase.options).toEqual({ threshold: 60 });
    expect(phase.configDir).toBe('/project');
    expect(await phase.run()).toEqual({ metrics: { threshold: 60 }, errorTypes: [] });
  });

  it('names the phase and module and gives a hint when a class cannot be built', async () => {
    const error = await failure({ default: Undecorated });
    expect(error.code).toBe('PHASE_RESOLVE_FAILED');
    expect(error.message).toMatch(/^phases\.aggregate \(\.\/x\.mjs\): could not construct it: /);
    expect(error.hint).toContain('@inject(TOKEN)');
  });

  it('says so when the module has no default export, or exports something that is not a phase', async () => {
    expect((await failure({ other: 1 })).message).toBe(
      'phases.aggregate (./x.mjs): the module has no default export',
    );
    expect((await failure({ default: () => ({ name: 'no run method' }) })).message).toBe(
      'phases.aggregate (./x.mjs): the module did not produce what was expected',
    );
  });

  it('loads a local module file relative to the config folder, and refuses an implement phase without rollback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-module-'));
    writeFileSync(
      join(dir, 'impl.mjs'),
      "export default () => ({ name: 'no-rollback', run: async () => ({ fixId: 'x' }) });\n",
    );
    const ctx = {
      configDir: dir,
      container: container.createChildContainer(),
      log: silentLogger,
      settings: {},
    };
    await expect(loadPhase('aggregate', { use: './impl.mjs', with: {} }, ctx)).resolves.toMatchObject({
      name: 'no-rollback',
    });
    await expect(loadPhase('implement', { use: './impl.mjs', with: {} }, ctx)).rejects.toThrow(
      /did not produce what was expected/,
    );
    await expect(loadPhase('test', { use: './missing.mjs', with: {} }, ctx)).rejects.toThrow(
      `phases.test (./missing.mjs): module ./missing.mjs not found (looked for ${join(dir, 'missing.mjs')})`,
    );
  });

  it('recognises exit policies by name and evaluate', () => {
    expect(isExitPolicy({ name: 'p', evaluate: () => undefined })).toBe(true);
    expect(isExitPolicy({ name: 'p' })).toBe(false);
  });
});

describe('custom exit policies', () => {
  it('may not take the name of a built-in policy, whose persisted memory it would share', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-policy-'));
    writeFileSync(
      join(dir, 'p.mjs'),
      "export default () => ({ name: 'plateau', evaluate: () => undefined });\n",
    );
    const { loadCustomPolicies } = await import('./load-phases.js');
    const config = { exit: { custom: [{ use: './p.mjs', with: {} }] } } as unknown as Parameters<
      typeof loadCustomPolicies
    >[0];
    const ctx = {
      configDir: dir,
      container: container.createChildContainer(),
      log: silentLogger,
      settings: {},
    };
    await expect(loadCustomPolicies(config, ctx)).rejects.toThrow(
      "exit.custom: the policy name 'plateau' is taken by a built-in policy",
    );
  });
});
