import type { DiagnosePhase, PhaseFactory } from '@ratchet/core';
import { parseDiagnoseOptions } from './options/diagnose-options.js';
import { createDiagnosePhase } from './phase/diagnose-phase.js';

export { ACTION_TYPES, KnownActionSchema } from './actions/action-schemas.js';
export { checkAction } from './actions/validate-action.js';
export {
  type CommandIO,
  type DiagnoseCommandOptions,
  runDiagnoseCommand,
} from './cli/run-diagnose-command.js';
export { compareWithPrevious } from './compare/compare-diagnoses.js';
export {
  type DiagnoseOptions,
  type DiagnoseOptionsInput,
  DiagnoseOptionsSchema,
  parseDiagnoseOptions,
} from './options/diagnose-options.js';
export {
  createDiagnosePhase,
  DIAGNOSIS_FILE,
  diagnose,
  REPORT_FILE,
  writeDiagnosisFiles,
} from './phase/diagnose-phase.js';
export { DEFAULT_THRESHOLDS, priorityOf, rankFixes, type Thresholds } from './ranking/rank-fixes.js';
export { renderReport } from './report/render-report.js';
export {
  BUILTIN_RULES_FILE,
  type LoadedRule,
  loadRuleFile,
  loadRuleSet,
  parseRules,
} from './rules/load-rules.js';
export { ruleFileJsonSchema } from './rules/rule-file-json-schema.js';
export { type Rule, RuleSchema } from './rules/rule-schema.js';

/** The phase factory named by `use: '@ratchet/phase-diagnose'` in a config. */
const createPhase: PhaseFactory<DiagnosePhase> = async (options, ctx) =>
  createDiagnosePhase(parseDiagnoseOptions(options, ctx.configDir), ctx.log);

export default createPhase;
