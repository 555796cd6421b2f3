import { compileUserRegex } from '@ratchet/core';
import { z } from 'zod';

const text = z.string().min(1, 'must not be empty');
const oneOrMany = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema).min(1)]);

/**
 * A regular expression written as a string (JavaScript syntax, named groups become captures). It
 * runs on a linear-time engine; one that could only run with catastrophic backtracking is refused.
 */
const regexSource = text.superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
    return;
  }
  try {
    compileUserRegex(source, 'regular expression');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

export const RuleMatchSchema = z
  .strictObject({
    category: oneOrMany(text).optional().describe('Error-type category (exact), or a list of them'),
    template: regexSource.optional().describe('Regex tested on the message template'),
    text: regexSource
      .optional()
      .describe('Regex tested on the template, the exception message and each example record'),
    exceptionType: regexSource.optional(),
    exceptionMessage: regexSource.optional(),
    httpStatus: oneOrMany(z.number().int().min(100).max(599)).optional(),
    host: regexSource.optional(),
    agent: regexSource.optional().describe('Regex tested on each agent (bundle id) of the error type'),
    path: regexSource.optional().describe('Regex a path of the error type must match; only those are used'),
    minCount: z.number().int().nonnegative().optional(),
  })
  .refine((match) => Object.keys(match).length > 0, { message: 'needs at least one condition' });
export type RuleMatch = z.infer<typeof RuleMatchSchema>;

export const RuleFixSchema = z.strictObject({
  id: text.regex(
    /^[A-Za-z0-9{][\w.:{}\s/-]*$/,
    'must be a slug (letters, digits, . _ : / -), may use {{captures}}',
  ),
  name: text,
  confidence: z.number().min(0).max(1).optional().describe('Overrides the rule confidence for this fix'),
  expectedImprovement: z
    .strictObject({ value: z.number().min(0).max(1), basis: text })
    .optional()
    .describe('Share of the targeted errors this fix may remove, and why'),
  alternativeOf: text.optional(),
  actions: z.array(z.unknown()).min(1, 'a fix needs at least one action; use `recommendation` otherwise'),
});
export type RuleFix = z.infer<typeof RuleFixSchema>;

export const RuleSchema = z
  .strictObject({
    id: text.regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lowercase slug (a-z, 0-9, . _ -)'),
    title: text,
    source: oneOrMany(text).optional().describe('Where the root cause and fix were reported'),
    confidence: z.number().min(0).max(1).default(0.5),
    fallback: z
      .boolean()
      .default(false)
      .describe(
        'Applies only when no regular rule explains the error type; the first matching fallback wins',
      ),
    match: RuleMatchSchema,
    rootCause: text,
    fixes: z.array(RuleFixSchema).optional(),
    recommendation: z.strictObject({ title: text, detail: text.optional() }).optional(),
  })
  .refine((rule) => (rule.fixes?.length ?? 0) > 0 || rule.recommendation !== undefined, {
    message: 'a rule needs `fixes` or a `recommendation`',
  });
export type Rule = z.infer<typeof RuleSchema>;

export const RuleFileSchema = z.strictObject({
  version: z.literal(1).default(1),
  rules: z.array(z.unknown()),
});
