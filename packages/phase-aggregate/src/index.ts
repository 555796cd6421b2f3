import { createAggregatePhase } from './phase/aggregate-phase.js';

export { type AggregatePlexLogsOptions, aggregatePlexLogs } from './aggregating/aggregate-logs.js';
export {
  type AggregateGenericLogsOptions,
  aggregateGenericLogs,
  GENERIC_BASE_METRICS,
  type GenericMetricRule,
  loadMetricRuleFile,
} from './aggregating/generic-aggregator.js';
export {
  computeRates,
  type MetricCounts,
  PLEX_METRICS,
  PlexAggregator,
  type PlexAggregatorOptions,
  type PlexMetric,
  type PlexWindow,
} from './aggregating/plex-aggregator.js';
export { compileRules, loadRuleFile, RuleSet } from './aggregating/rules.js';
export {
  ServerLogAggregator,
  type ServerLogBreakdown,
  type ServerLogMetrics,
} from './aggregating/server-log-aggregator.js';
export {
  type AggregateCommandOptions,
  type CommandIo,
  runAggregateCommand,
} from './commands/aggregate-command.js';
export { runTemplatesCommand, type TemplatesCommandOptions } from './commands/templates-command.js';
export { groupingAccuracy } from './mining/grouping-accuracy.js';
export { LOGHUB_LINE_FORMATS, loadLoghubSystem } from './mining/loghub.js';
export {
  type TemplateCluster,
  TemplateMiner,
  type TemplateMinerOptions,
  tokenize,
  WILDCARD,
} from './mining/template-miner.js';
export {
  createAggregatePhase,
  declaredMetricNames,
  measure,
  writeAggregateReports,
} from './phase/aggregate-phase.js';
export { type AggregateOptions, AggregateOptionsSchema, parseAggregateOptions } from './phase/options.js';
export {
  discoverLogFiles,
  discoverServerLogFiles,
  isServerLogName,
  type LogFile,
} from './reading/discover.js';
export {
  DEFAULT_MAX_LINE_CHARS,
  type ReadProblem,
  type ReadStats,
  readLines,
} from './reading/line-reader.js';
export { renderAggregateMarkdown } from './report/markdown.js';
export { parseTimeSpec, resolveWindow, toPlexWindow } from './window/resolve-window.js';

export default createAggregatePhase;
