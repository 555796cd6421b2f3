export type { AgentClock } from './agent/clock.js';
export {
  apiHealth,
  chooseMatch,
  type FailureKind,
  MODEL as SIM_MODEL,
  rateLimitChance,
  searchCandidates,
} from './agent/provider-model.js';
export { AGENT_NAME, type RefreshOutcome } from './agent/simdb-agent.js';
export { type RestartRequest, requestAgentRestart } from './cli/restart-request.js';
export { runSimCommand, type SimCommandIo, type SimCommandOptions } from './cli/sim-command.js';
export {
  CORRUPT_BUNDLE_SHARE,
  type DataDirLayout,
  dataDirLayout,
  type InitDataDirOptions,
  type InitDataDirResult,
  initDataDir,
} from './data-dir/init-data-dir.js';
export {
  AGENT_BUNDLE_ID,
  agentModelFolder,
  generateLibrary,
  loadLibrary,
  type SimLibrary,
  type SimMovie,
} from './library/library.js';
export { TITLE_KINDS, type TitleKind } from './library/title-kinds.js';
export { formatLocalTimestamp, formatRecord, type PluginLogRecord } from './plugin-log/record-format.js';
export {
  PLEX_LOG_BACKUP_COUNT,
  PLEX_LOG_MAX_BYTES,
  RotatingLogFile,
} from './plugin-log/rotating-log-file.js';
export {
  type AgentPrefs,
  agentPrefsFile,
  CURRENT_API_BASE_URL,
  MOVED_API_BASE_URL,
  PREF_KEYS,
  parsePrefs,
  readPrefs,
  SHIPPED_PREFS,
  serializePrefs,
} from './prefs/agent-prefs.js';
export {
  FAULT_KINDS,
  type FaultKind,
  type FaultPlan,
  type FaultPlanInput,
  FaultPlanSchema,
  parseFaultPlan,
  readFaultPlanFile,
  SIM_ROUTE_NAMES,
} from './server/fault-plan.js';
export { type Faults, type FaultsInput, FaultsSchema } from './server/faults.js';
export {
  createSimulator,
  SIM_SERVER_VERSION,
  type SimulatorHandle,
  type SimulatorOptions,
} from './server/simulator.js';
