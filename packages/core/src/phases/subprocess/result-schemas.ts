import { z } from 'zod';
import type { PhaseKind } from '../../contracts/phase.js';
import {
  AggregateResultSchema,
  AppliedFixSchema,
  DiagnosisSchema,
  TestResultSchema,
} from '../../contracts/schemas.js';
import { RatchetError } from '../../errors/ratchet-error.js';

export const RESULT_SCHEMAS = {
  aggregate: AggregateResultSchema,
  diagnose: DiagnosisSchema,
  implement: AppliedFixSchema,
  test: TestResultSchema,
} as const satisfies Record<PhaseKind, z.ZodType>;

export type ResultOf<K extends PhaseKind> = z.output<(typeof RESULT_SCHEMAS)[K]>;

/** Validates a subprocess's result with the same schema a native phase's result must meet. */
export function validateResult<K extends PhaseKind>(kind: K, value: unknown, source: string): ResultOf<K> {
  const parsed = RESULT_SCHEMAS[kind].safeParse(value);
  if (parsed.success) return parsed.data as ResultOf<K>;
  const first = parsed.error.issues[0];
  const where = first && first.path.length > 0 ? first.path.join('.') : '(the top level)';
  throw new RatchetError(
    'PHASE_INVALID_OUTPUT',
    `${source} is not a valid ${kind} result: at ${where}: ${first?.message ?? 'invalid'}\n${z.prettifyError(parsed.error)}`,
    {
      hint: `See the minimal ${kind} result in docs/writing-a-phase.md.`,
      details: {
        phase: kind,
        issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
      },
    },
  );
}
