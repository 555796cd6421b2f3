import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ruleFileJsonSchema } from './rule-file-json-schema.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../rules/schema.json', import.meta.url));

describe('the rule-file JSON Schema', () => {
  it('is committed as rules/schema.json and in sync with the zod schema', async () => {
    await expect(`${JSON.stringify(ruleFileJsonSchema(), null, 2)}\n`).toMatchFileSnapshot(SCHEMA_FILE);
  });

  it('lists the action types an editor may offer', () => {
    const text = JSON.stringify(ruleFileJsonSchema());
    for (const type of ['edit', 'patch', 'set-pref', 'json-set', 'delete', 'command', 'restart']) {
      expect(text).toContain(`"const":"${type}"`);
    }
  });
});
