import { join } from 'node:path';
import {
  type DiagnoseInput,
  DiagnoseInputSchema,
  type DiagnosePhase,
  type Diagnosis,
  describeError,
  type Fix,
  type Logger,
  RatchetError,
  redactText,
  silentLogger,
  writeFileAtomic,
} from '@ratchet/core';
import { z } from 'zod';
import { assembleDiagnosis, explainErrorTypes, scoreFix } from '../diagnosis/build-diagnosis.js';
import { runExternalDiagnoser, vetExternalFixes } from '../external/run-external-diagnoser.js';
import type { DiagnoseOptions } from '../options/diagnose-options.js';
import { renderReport } from '../report/render-report.js';
import { type LoadedRule, loadRuleSet } from '../rules/load-rules.js';

export const DIAGNOSIS_FILE = 'diagnosis.json';
export const REPORT_FILE = 'diagnostic_report.md';

export interface DiagnoseRunContext {
  log?: Logger;
  signal?: AbortSignal;
  /** Where the external diagnoser runs. */
  cwd?: string;
}

/** The whole diagnosis, without writing files: rules, then the external diagnoser for what they leave. */
export async function diagnose(
  rawInput: DiagnoseInput,
  rules: ReadonlyArray<LoadedRule>,
  options: Pick<DiagnoseOptions, 'thresholds' | 'external'>,
  context: DiagnoseRunContext = {},
): Promise<Diagnosis> {
  const parsedInput = DiagnoseInputSchema.safeParse(rawInput);
  if (!parsedInput.success) {
    throw new RatchetError(
      'INPUT_INVALID',
      `diagnose: input is not a DiagnoseInput: ${z.prettifyError(parsedInput.error)}`,
    );
  }
  const input = parsedInput.data;
  const log = context.log ?? silentLogger;
  const explanation = explainErrorTypes(input.aggregate, rules);
  const fixes: Fix[] = explanation.candidates.map((candidate) =>
    scoreFix(candidate, input.aggregate, options.thresholds),
  );
  const problems: string[] = [];
  let external: Record<string, unknown> | undefined;

  if (options.external && explanation.needsResearch.length > 0) {
    const researchIds = new Set(explanation.needsResearch.map((entry) => entry.id));
    try {
      const output = await runExternalDiagnoser(
        options.external,
        {
          mode: input.mode,
          needsResearch: explanation.needsResearch,
          aggregate: {
            ...input.aggregate,
            errorTypes: input.aggregate.errorTypes.filter((type) => researchIds.has(type.id)),
          },
          attemptedFixIds: input.attemptedFixIds,
          rolledBackFixIds: input.rolledBackFixIds,
        },
        {
          log,
          ...(context.signal ? { signal: context.signal } : {}),
          ...(context.cwd ? { cwd: context.cwd } : {}),
        },
      );
      const vetted = vetExternalFixes(output, researchIds, new Set(fixes.map((fix) => fix.id)));
      for (const fix of vetted.fixes) {
        fixes.push(
          scoreFix(
            {
              id: fix.id,
              name: fix.name ?? fix.id,
              rootCause: fix.rootCause ?? 'proposed by the external diagnoser',
              confidence: fix.confidence ?? 0.3,
              removes: fix.expectedImprovement?.value,
              removesBasis: fix.expectedImprovement?.basis,
              alternativeOf: fix.alternativeOf,
              actions: fix.actions,
              targets: fix.targets,
              origin: 'external',
            },
            input.aggregate,
            options.thresholds,
          ),
        );
      }
      for (const recommendation of vetted.recommendations ?? []) {
        explanation.recommendations.push({ ...recommendation, origin: 'external' });
      }
      for (const rejected of vetted.rejected) {
        problems.push(`external fix ${rejected.id} rejected: ${rejected.reason}`);
        log.warn(`diagnose: external fix ${rejected.id} rejected: ${rejected.reason}`);
      }
      external = { fixes: vetted.fixes.length, rejected: vetted.rejected };
    } catch (error) {
      if (options.external.required || (error instanceof RatchetError && error.code === 'INTERRUPTED'))
        throw error;
      problems.push(`external diagnoser failed: ${describeError(error)}`);
      log.warn(`diagnose: external diagnoser failed; going on with the rules alone: ${describeError(error)}`);
      external = { error: describeError(error) };
    }
  }
  const diagnosis = assembleDiagnosis({
    input,
    explanation,
    fixes,
    thresholds: options.thresholds,
    extraProblems: problems,
    ...(external ? { external } : {}),
  });
  // The diagnosis is kept in the loop state too: no token from a quoted log line may ride along.
  return withoutSecretActions(JSON.parse(redactText(JSON.stringify(diagnosis))) as Diagnosis, diagnosis);
}

/**
 * A fix whose actions redaction had to change would apply `[redacted]` instead of the value: it is
 * not proposed, and the diagnosis says why.
 */
function withoutSecretActions(redacted: Diagnosis, original: Diagnosis): Diagnosis {
  const changed = new Set(
    original.fixes
      .filter((fix) => JSON.stringify(fix.actions) !== redactText(JSON.stringify(fix.actions)))
      .map((fix) => redactText(fix.id)),
  );
  if (changed.size === 0) return redacted;
  const problems = [...((redacted.problems ?? []) as string[])];
  for (const id of changed)
    problems.push(`fix ${id} not proposed: its actions hold a secret-shaped value, which is never written`);
  return { ...redacted, fixes: redacted.fixes.filter((fix) => !changed.has(fix.id)), problems };
}

/** Writes diagnosis.json and diagnostic_report.md into a folder, each atomically. */
export async function writeDiagnosisFiles(diagnosis: Diagnosis, folder: string): Promise<void> {
  await writeFileAtomic(join(folder, DIAGNOSIS_FILE), `${JSON.stringify(diagnosis, null, 2)}\n`);
  await writeFileAtomic(join(folder, REPORT_FILE), renderReport(diagnosis));
}

export async function createDiagnosePhase(
  options: DiagnoseOptions,
  log: Logger = silentLogger,
): Promise<DiagnosePhase> {
  const rules = await loadRuleSet({ files: options.rules, builtin: options.builtin });
  log.debug(`diagnose: ${rules.length} rules loaded`);
  return {
    name: 'diagnose',
    async run(input, ctx) {
      if (ctx.signal.aborted) throw new RatchetError('INTERRUPTED', 'diagnose: stopped before it started');
      const diagnosis = await diagnose(input, rules, options, { log: ctx.log, signal: ctx.signal });
      await writeDiagnosisFiles(diagnosis, ctx.runDir);
      const summary = diagnosis.summary as {
        errorTypes: number;
        highPriority: number;
        needsResearch: number;
      };
      ctx.log.info(
        `diagnose: ${summary.errorTypes} error types, ${diagnosis.fixes.length} fixes (${summary.highPriority} high), ${summary.needsResearch} need research`,
      );
      return diagnosis;
    },
  };
}
