import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPage } from '../../../../../test-support/chromium.js';
import { colourStats, decodePng } from '../fixtures/png.test-helpers.js';
import { realisticRun } from '../fixtures/realistic-run.test-helpers.js';
import { renderFinalReportHtml } from './final-report.js';

describe('the HTML report in headless Chromium', () => {
  let folder: string;
  let reportUrl: string;
  const metricCount = Object.keys(realisticRun().state.baselineMetrics ?? {}).length;

  let dom: string;
  let screenshot: Buffer;

  // One browser start for both the DOM and the screenshot: on a shared 2-core machine a start
  // costs several seconds.
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ratchet-report-chromium-'));
    const { state, decisions } = realisticRun();
    decisions[0] = { ...decisions[0]!, fixName: '<script>document.title="pwned"</script>Normalize' };
    const html = renderFinalReportHtml({
      state,
      decisions,
      generatedAt: new Date('2024-05-01T10:12:00Z'),
      title: '<script>alert(1)</script> SimDB',
    });
    const file = join(folder, 'final_improvement_report.html');
    await writeFile(file, html);
    reportUrl = pathToFileURL(file).href;
    const page = await renderPage(reportUrl, { viewport: { width: 1200, height: 2000 }, screenshot: true });
    dom = page.dom;
    screenshot = page.screenshot!;
  });

  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('renders every chart as an SVG in the DOM and runs no script from the data', async () => {
    const stdout = dom;
    const charts = stdout.match(/<svg class="chart"/g) ?? [];
    expect(charts).toHaveLength(2 + metricCount);
    expect(stdout).toContain('<path class="line"');
    expect(stdout).toContain('<circle class="point"');
    expect(stdout).not.toMatch(/<script/i);
    expect(stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt; SimDB');
    expect(stdout).not.toContain('pwned</title>');
    expect(stdout).toContain('Fixes');
  });

  it('paints a screenshot that is not blank and shows the objective line in its colour', async () => {
    const image = decodePng(screenshot);
    expect(image.width).toBe(1200);
    expect(image.height).toBe(2000);
    const stats = colourStats(image);
    expect(stats.distinctColours).toBeGreaterThan(50);
    // A blank page has no ink at all; this report's text, tables and charts cover a few percent.
    expect(stats.inkShare).toBeGreaterThan(0.02);
    let objectiveBlue = 0;
    for (let index = 0; index < image.width * image.height; index += 1) {
      const [r, g, b] = [
        image.pixels[index * 4]!,
        image.pixels[index * 4 + 1]!,
        image.pixels[index * 4 + 2]!,
      ];
      if (Math.abs(r - 0x25) < 24 && Math.abs(g - 0x63) < 24 && Math.abs(b - 0xeb) < 24) objectiveBlue += 1;
    }
    expect(objectiveBlue).toBeGreaterThan(300);
  });
});
