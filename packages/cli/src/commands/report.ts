import { resolve } from 'node:path';
import { RunStore, renderFinalReportHtml, renderFinalReportMarkdown, writeFinalReports } from '@ratchet/core';
import { EXIT } from '../exit-codes.js';

export async function reportCommand(flags: { out: string; format?: 'md' | 'html' }): Promise<void> {
  const store = new RunStore(resolve(flags.out));
  const state = store.loadState();
  const decisions = store.loadDecisions();
  if (flags.format) {
    const input = { state, decisions, generatedAt: new Date() };
    process.stdout.write(
      flags.format === 'md' ? renderFinalReportMarkdown(input) : renderFinalReportHtml(input),
    );
  } else {
    writeFinalReports(store, state, decisions);
    process.stdout.write(`${store.path('reportMarkdown')}\n${store.path('reportHtml')}\n`);
  }
  process.exitCode = EXIT.ok;
}
