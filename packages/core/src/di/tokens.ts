// Interfaces are not runtime values: every interface-typed dependency is resolved by one of these.
export const TOKENS = {
  Aggregate: Symbol.for('ratchet.phase.aggregate'),
  Diagnose: Symbol.for('ratchet.phase.diagnose'),
  Implement: Symbol.for('ratchet.phase.implement'),
  Test: Symbol.for('ratchet.phase.test'),
  ExitPolicies: Symbol.for('ratchet.exitPolicies'),
  /** The options object given under `with:` for the phase being constructed. */
  PhaseOptions: Symbol.for('ratchet.phase.options'),
  /** The folder of the config file: relative paths in options are resolved against it. */
  ConfigDir: Symbol.for('ratchet.configDir'),
  Events: Symbol.for('ratchet.events'),
  Logger: Symbol.for('ratchet.logger'),
  /** The resolved config (RatchetConfig, `${ENV}` references filled in). */
  Config: Symbol.for('ratchet.config'),
  /** The run's settings: objective, judge, outDir, yes, approve, dryRun (PhaseFactoryContext.settings). */
  Settings: Symbol.for('ratchet.settings'),
} as const;
