import { z } from 'zod';
import { type DecisionRecord, DecisionRecordSchema } from '../../contracts/events.js';
import { type LoopState, LoopStateSchema } from '../../contracts/state.js';
import { RatchetError } from '../../errors/ratchet-error.js';

export interface FinalReportInput {
  state: LoopState;
  decisions: DecisionRecord[];
  generatedAt: Date;
  /** Shown as the report's heading; defaults to "Ratchet final improvement report". */
  title?: string;
}

export const DEFAULT_REPORT_TITLE = 'Ratchet final improvement report';

export { DecisionRecordSchema };

export interface ValidReportInput {
  state: LoopState;
  decisions: DecisionRecord[];
  generatedAt: Date;
  title: string;
}

function firstIssue(prefix: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = [prefix, ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`;
}

export function validateDecisions(decisions: unknown, what: string): DecisionRecord[] {
  const parsed = z.array(DecisionRecordSchema).safeParse(decisions);
  if (!parsed.success) {
    throw new RatchetError('INPUT_INVALID', `${what}: ${firstIssue('decisions', parsed.error)}`, {
      hint: 'Pass the records of decision_log.json (an array of DecisionRecord).',
    });
  }
  return parsed.data as DecisionRecord[];
}

/** Checks a report input that may have come from JSON files, with an error that names the bad key. */
export function validateReportInput(input: FinalReportInput, what = 'final report'): ValidReportInput {
  if (input === null || typeof input !== 'object') {
    throw new RatchetError(
      'INPUT_INVALID',
      `${what}: expected an object with state, decisions and generatedAt`,
    );
  }
  const state = LoopStateSchema.safeParse(input.state);
  if (!state.success) {
    throw new RatchetError('INPUT_INVALID', `${what}: ${firstIssue('state', state.error)}`, {
      hint: 'Pass the loop state as read from loop_state.json (LoopStateSchema).',
    });
  }
  const decisions = validateDecisions(input.decisions, what);
  if (!(input.generatedAt instanceof Date) || Number.isNaN(input.generatedAt.getTime())) {
    throw new RatchetError('INPUT_INVALID', `${what}: generatedAt: expected a valid Date`);
  }
  if (input.title !== undefined && typeof input.title !== 'string') {
    throw new RatchetError('INPUT_INVALID', `${what}: title: expected a string`);
  }
  const title = input.title?.trim() ? input.title.trim() : DEFAULT_REPORT_TITLE;
  return {
    state: state.data,
    decisions,
    generatedAt: input.generatedAt,
    title,
  };
}
