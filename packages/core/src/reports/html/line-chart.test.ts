import { describe, expect, it } from 'vitest';
import { renderLineChartSvg, yAxisTicks } from './line-chart.js';

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

describe('the inline SVG line chart', () => {
  it('draws axes, ticks, one line and a point per value', () => {
    const svg = renderLineChartSvg({
      title: 'urlErrors',
      points: [
        { label: 'baseline', value: 96 },
        { label: '#1', value: 94 },
        { label: '#2', value: 31 },
      ],
      xLabel: 'iteration',
    });
    expect(svg.startsWith('<svg class="chart"')).toBe(true);
    expect(count(svg, /<line class="axis"/g)).toBe(2);
    expect(count(svg, /<path class="line"/g)).toBe(1);
    expect(count(svg, /<circle class="point"/g)).toBe(3);
    expect(svg).toContain('>baseline</text>');
    expect(svg).toContain('>#2</text>');
    expect(svg).toContain('>100</text>');
    expect(svg).toContain('>iteration</text>');
  });

  it('shows a single point without a line, centred', () => {
    const svg = renderLineChartSvg({ title: 'one', points: [{ label: 'baseline', value: 0.4 }], width: 520 });
    expect(count(svg, /<path class="line"/g)).toBe(0);
    expect(count(svg, /<circle class="point"/g)).toBe(1);
    // The plot spans x = 68 .. 502 (margins 68 and 18): its centre is 285.
    expect(svg).toMatch(/<circle class="point" cx="285"/);
  });

  it('breaks the line at a missing value and marks it instead of drawing a zero', () => {
    const svg = renderLineChartSvg({
      title: 'gaps',
      points: [
        { label: 'baseline', value: 3 },
        { label: '#1', value: 2 },
        { label: '#2', value: null },
        { label: '#3', value: 1 },
        { label: '#4', value: 1 },
      ],
    });
    expect(count(svg, /<path class="line"/g)).toBe(2);
    expect(count(svg, /<circle class="point"/g)).toBe(4);
    expect(svg).toContain('<title>#2: no value</title>');
  });

  it('gives an all-zero series a readable axis from 0 to 1', () => {
    expect(yAxisTicks([0, 0, 0])).toEqual({ min: 0, max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
    const svg = renderLineChartSvg({
      title: 'zeros',
      points: [
        { label: 'a', value: 0 },
        { label: 'b', value: 0 },
      ],
    });
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('Infinity');
  });

  it('covers negative values and tiny rates with round tick values', () => {
    const negative = yAxisTicks([-3, 5]);
    expect(negative.min).toBeLessThanOrEqual(-3);
    expect(negative.max).toBeGreaterThanOrEqual(5);
    expect(yAxisTicks([0.0123, 0.031]).ticks).toEqual([0, 0.01, 0.02, 0.03, 0.04]);
  });

  it('draws markers in their own class and widens the axis to hold them', () => {
    const svg = renderLineChartSvg({
      title: 'decisions',
      points: [
        { label: 'baseline', value: 0.4 },
        { label: '1.1', value: 0.3 },
      ],
      markers: [{ index: 1, value: 0.9, kind: 'ROLLBACK', color: '#b45309', label: 'fix-x ROLLBACK' }],
      legend: [{ label: 'rolled back', color: '#b45309' }],
    });
    expect(svg).toContain('<rect class="marker ROLLBACK"');
    expect(svg).toContain('<title>fix-x ROLLBACK: 0.9</title>');
    expect(svg).toContain('>1</text>');
    expect(svg).toContain('>rolled back</text>');
  });

  it('writes the last value beside its point so that a printed chart can be read', () => {
    const svg = renderLineChartSvg({
      title: 'last',
      points: [
        { label: 'baseline', value: 96 },
        { label: '#1', value: 30 },
        { label: '#2', value: null },
      ],
    });
    expect(svg).toMatch(/<text class="value-label"[^>]*>30<\/text>/);
  });

  it('says so when there is no value at all', () => {
    const svg = renderLineChartSvg({ title: 'empty', points: [{ label: 'baseline', value: null }] });
    expect(svg).toContain('no value measured');
    expect(svg).not.toContain('NaN');
  });

  it('escapes a title and labels that came from a config', () => {
    const svg = renderLineChartSvg({ title: '<script>x</script>', points: [{ label: '<b>', value: 1 }] });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(svg).toContain('&lt;b&gt;');
  });
});
