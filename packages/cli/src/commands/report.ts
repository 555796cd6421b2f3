import { join, resolve } from 'node:path';
import { RunStore, renderFinalReportHtml, renderFinalReportMarkdown, writeFinalReports } from '@ratchet/core';
import { EXIT } from '../exit-codes.js';

export async function reportCommand(flags: { out: string; format?: 'md' | 'html' }): Promise<void> {
  const outDir = resolve(flags.out);
  // Read the state before opening the store: opening it creates the folder, and a report asked
  // for in the wrong folder must leave no trace there.
  const state = RunStore.readState(join(outDir, 'loop_state.json'));
  const store = new RunStore(outDir);
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
