import type { Logger } from './logger.js';

/**
 * What a phase module (an npm package or a local file named by `use:` in the config) exports as
 * its default export. Any of:
 *  - a factory `(options, ctx) => Phase` (may be async) — options are the config's `with:` object;
 *  - a class, constructed through the run's DI container: inject `TOKENS.PhaseOptions`,
 *    `TOKENS.ConfigDir`, `TOKENS.Logger`, `TOKENS.Events`, `TOKENS.Config`, `TOKENS.Settings` with
 *    `@inject(TOKEN)` (all registered before any phase is built);
 *  - a ready Phase object (has a `run` method).
 * An ExitPolicy module follows the same convention.
 */
export interface PhaseFactoryContext {
  /** The folder of the config file: resolve relative paths in options against it. */
  configDir: string;
  log: Logger;
  /** The loop's objective and judge settings, for phases that need them. */
  settings: Readonly<Record<string, unknown>>;
}

export type PhaseFactory<P> = (options: Record<string, unknown>, ctx: PhaseFactoryContext) => P | Promise<P>;
