export const PLEX_METRICS = [
  'records',
  'searchOps',
  'updateOps',
  'urlErrors',
  'modelErrors',
  'exceptions',
  'titleMatchFailures',
  'errorRecords',
  'unparsedLines',
  'orphanTracebacks',
] as const;
export type PlexMetric = (typeof PLEX_METRICS)[number];
export type MetricCounts = Record<PlexMetric, number>;

export function emptyCounts(): MetricCounts {
  return Object.fromEntries(PLEX_METRICS.map((metric) => [metric, 0])) as MetricCounts;
}
