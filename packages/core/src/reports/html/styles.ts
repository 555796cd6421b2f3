// Inline styles only: the report must open offline, from a file, in any browser, and print well.
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --kept: #15803d; --rolled: #b45309; --failed: #b91c1c; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f8fafc; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 18px 0 6px; overflow-wrap: anywhere; }
.meta, .muted { color: var(--muted); font-size: 0.9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; }
.card .value { font-size: 1.25rem; font-weight: 600; overflow-wrap: anywhere; }
.card .value.small { font-size: 1rem; }
.better { color: var(--kept); } .worse { color: var(--failed); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td code, td pre { overflow-wrap: anywhere; }
th { background: #f3f4f6; font-weight: 600; }
tbody th { background: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; }
pre { background: #f3f4f6; padding: 8px 10px; border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
.badge { display: inline-block; white-space: nowrap; padding: 0 8px; border-radius: 10px; font-size: 0.78rem; font-weight: 600; color: #fff; background: var(--muted); }
.badge.KEEP { background: var(--kept); } .badge.ROLLBACK, .badge.RESTORED { background: var(--rolled); }
.badge.APPLY_FAILED { background: var(--failed); } .badge.MONITOR, .badge.MODIFY { background: var(--accent); }
.fix { border-left: 4px solid var(--line); padding: 4px 0 4px 12px; margin: 12px 0; break-inside: avoid; }
.fix.kept { border-color: var(--kept); } .fix.rolled-back { border-color: var(--rolled); } .fix.failed { border-color: var(--failed); }
.rationale { white-space: pre-wrap; margin: 4px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 16px; }
figure { margin: 0 0 16px; break-inside: avoid; }
figcaption { margin-top: 4px; }
figure.objective svg { max-width: 760px; }
svg.chart { width: 100%; height: auto; display: block; font-family: inherit; }
svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: var(--ink); }
svg.chart .tick { font-size: 11px; fill: var(--muted); }
svg.chart .axis-label { font-size: 11px; fill: var(--muted); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { stroke: #9ca3af; stroke-width: 1; }
svg.chart .line { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
svg.chart .point { stroke: #fff; stroke-width: 1.5; }
svg.chart .missing text { font-size: 13px; fill: var(--failed); }
svg.chart .no-data { font-size: 13px; fill: var(--muted); }
svg.chart .value-label { font-size: 11px; font-weight: 600; fill: var(--ink); }
svg.chart .legend text { font-size: 11px; fill: var(--muted); }
svg.chart .marker { stroke: #fff; stroke-width: 1; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  table, .card, figure, .fix { break-inside: avoid; }
  .charts { grid-template-columns: repeat(2, 1fr); }
  th { background: none; }
  pre { background: none; border: 1px solid var(--line); }
  a { color: inherit; text-decoration: none; }
}
`;
