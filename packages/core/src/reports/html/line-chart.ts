import { formatNumber } from '../format/numbers.js';
import type { SeriesPoint } from '../model/report-model.js';
import { escapeHtml } from './escape.js';

export interface LineChartOptions {
  title: string;
  points: SeriesPoint[];
  /** What the values are, written beside the y axis. */
  yLabel?: string;
  xLabel?: string;
  width?: number;
  height?: number;
  /** CSS colour of the line and its points. */
  color?: string;
  /** Extra points drawn without a line, at the x of `points[index]` (e.g. each tested value). */
  markers?: ChartMarker[];
  /** Small coloured keys in the top right corner. */
  legend?: Array<{ label: string; color: string }>;
}

export interface ChartMarker {
  index: number;
  value: number;
  /** A CSS class for the marker, e.g. the decision outcome. */
  kind: string;
  color: string;
  /** Shown as the marker's tooltip. */
  label: string;
}

const MARGIN = { top: 30, right: 18, bottom: 46, left: 68 };
const TICK_COUNT = 4;
const MAX_X_LABELS = 12;

function niceStep(range: number): number {
  const rough = range / TICK_COUNT;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** The y-axis range and ticks. A flat series (all zero, or one point) still gets a readable axis. */
export function yAxisTicks(values: number[]): { min: number; max: number; ticks: number[] } {
  let low = Math.min(0, ...values);
  let high = Math.max(0, ...values);
  if (high === low) high = low === 0 ? 1 : low + Math.abs(low);
  const step = niceStep(high - low);
  low = Math.floor(low / step) * step;
  high = Math.ceil(high / step) * step;
  const ticks: number[] = [];
  for (let tick = low; tick <= high + step / 2; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return { min: low, max: high, ticks };
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/**
 * An inline SVG line chart with axes, tick labels and a point per value. Missing values (null)
 * break the line and are marked on the x axis, so a gap never reads as a zero.
 */
export function renderLineChartSvg(options: LineChartOptions): string {
  const width = options.width ?? 520;
  const height = options.height ?? 240;
  const color = options.color ?? '#2563eb';
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const { points } = options;
  const present = points
    .map((point) => point.value)
    .filter((value): value is number => value !== null && Number.isFinite(value));
  const markers = (options.markers ?? []).filter((marker) => Number.isFinite(marker.value));
  const axis = yAxisTicks([...present, ...markers.map((marker) => marker.value)]);
  const xOf = (index: number) =>
    MARGIN.left + (points.length <= 1 ? plotWidth / 2 : (index / (points.length - 1)) * plotWidth);
  const yOf = (value: number) =>
    MARGIN.top + plotHeight - ((value - axis.min) / (axis.max - axis.min)) * plotHeight;
  const bottom = MARGIN.top + plotHeight;
  const title = escapeHtml(options.title);
  const parts: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}" data-points="${points.length}" data-values="${present.length}">`,
    `<title>${title}</title>`,
    `<text class="chart-title" x="${MARGIN.left}" y="18">${title}</text>`,
  ];

  for (const tick of axis.ticks) {
    const y = round(yOf(tick));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y}" y2="${y}"/>`,
      `<text class="tick y-tick" x="${MARGIN.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${escapeHtml(formatNumber(tick))}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}"/>`,
    `<line class="axis" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${bottom}" y2="${bottom}"/>`,
  );

  const labelEvery = Math.max(1, Math.ceil(points.length / MAX_X_LABELS));
  points.forEach((point, index) => {
    if (index % labelEvery !== 0 && index !== points.length - 1) return;
    parts.push(
      `<text class="tick x-tick" x="${round(xOf(index))}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(point.label)}</text>`,
    );
  });
  if (options.xLabel) {
    parts.push(
      `<text class="axis-label" x="${MARGIN.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
    );
  }
  if (options.yLabel) {
    parts.push(
      `<text class="axis-label" transform="translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`,
    );
  }

  if (present.length === 0) {
    parts.push(
      `<text class="no-data" x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle">no value measured</text>`,
    );
  }

  // One path per run of consecutive values: a missing value breaks the line instead of bridging it.
  const segments: string[] = [];
  let current: string[] = [];
  points.forEach((point, index) => {
    if (point.value === null || !Number.isFinite(point.value)) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
      return;
    }
    current.push(`${current.length === 0 ? 'M' : 'L'}${round(xOf(index))} ${round(yOf(point.value))}`);
  });
  if (current.length > 0) segments.push(current.join(' '));
  for (const segment of segments) {
    if (segment.includes('L')) parts.push(`<path class="line" d="${segment}" stroke="${color}"/>`);
  }

  points.forEach((point, index) => {
    const x = round(xOf(index));
    const label = escapeHtml(point.label);
    if (point.value === null || !Number.isFinite(point.value)) {
      parts.push(
        `<g class="missing"><title>${label}: no value</title><text x="${x}" y="${bottom - 4}" text-anchor="middle">×</text></g>`,
      );
      return;
    }
    parts.push(
      `<circle class="point" cx="${x}" cy="${round(yOf(point.value))}" r="3.5" fill="${color}"><title>${label}: ${escapeHtml(formatNumber(point.value))}</title></circle>`,
    );
  });
  for (const marker of markers) {
    const x = round(xOf(marker.index));
    const y = round(yOf(marker.value));
    parts.push(
      `<rect class="marker ${escapeHtml(marker.kind)}" x="${Number(x) - 4.5}" y="${Number(y) - 4.5}" width="9" height="9" transform="rotate(45 ${x} ${y})" fill="${marker.color}"><title>${escapeHtml(marker.label)}: ${escapeHtml(formatNumber(marker.value))}</title></rect>`,
    );
  }

  // The last value written out, so that a printed chart can be read without hovering.
  const lastIndex = points.findLastIndex((point) => point.value !== null && Number.isFinite(point.value));
  const last = points[lastIndex];
  if (last && last.value !== null) {
    const anchor = points.length > 1 && lastIndex === points.length - 1 ? 'end' : 'start';
    const dx = anchor === 'end' ? -6 : 6;
    parts.push(
      `<text class="value-label" x="${round(xOf(lastIndex) + dx)}" y="${round(yOf(last.value) - 8)}" text-anchor="${anchor}">${escapeHtml(formatNumber(last.value))}</text>`,
    );
  }

  let legendX = width - MARGIN.right;
  for (const entry of [...(options.legend ?? [])].reverse()) {
    const text = escapeHtml(entry.label);
    const textWidth = entry.label.length * 6 + 16;
    legendX -= textWidth;
    parts.push(
      `<g class="legend"><rect x="${legendX}" y="10" width="9" height="9" fill="${entry.color}"/><text x="${legendX + 13}" y="18">${text}</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
