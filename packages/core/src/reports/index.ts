export { formatNumber, formatPct, formatSignedNumber } from './format/numbers.js';
export { renderFinalReportHtml } from './html/final-report.js';
export { type LineChartOptions, renderLineChartSvg } from './html/line-chart.js';
export {
  escapeMarkdownCell,
  escapeMarkdownInline,
  markdownCodeBlock,
  markdownTable,
} from './markdown/escape.js';
export { renderFinalReportMarkdown } from './markdown/final-report.js';
export { renderIterationSummaryMarkdown } from './markdown/iteration-summary.js';
export {
  DEFAULT_REPORT_TITLE,
  DecisionRecordSchema,
  type FinalReportInput,
  validateReportInput,
} from './model/input.js';
export { buildReportModel, type ReportModel } from './model/report-model.js';
