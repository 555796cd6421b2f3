import { z } from 'zod';
import { KnownActionSchema } from '../actions/action-schemas.js';
import { RuleFixSchema, RuleSchema } from './rule-schema.js';

/** The rule-file format as a JSON Schema, for editors (`rules/schema.json` is generated from it). */
export function ruleFileJsonSchema(): Record<string, unknown> {
  const fix = RuleFixSchema.safeExtend({ actions: z.array(KnownActionSchema).min(1) });
  const rule = RuleSchema.safeExtend({ fixes: z.array(fix).optional() });
  const file = z
    .strictObject({ version: z.literal(1).default(1), rules: z.array(rule) })
    .describe('A @ratchet/phase-diagnose rule file (docs/diagnose.md)');
  return z.toJSONSchema(file, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
