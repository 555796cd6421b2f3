import { describe, expect, it } from 'vitest';
import { configJsonSchema, durationMs } from './schema.js';

describe('the config JSON Schema', () => {
  it('is generated from the zod schema and committed as schema.json (run vitest -u after a change)', async () => {
    await expect(`${JSON.stringify(configJsonSchema(), null, 2)}\n`).toMatchFileSnapshot('../../schema.json');
  });

  it('describes the phases as a module or a command, with defaults optional for editors', () => {
    const schema = configJsonSchema() as { required?: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(['objective', 'phases']);
    expect(JSON.stringify(schema.properties.phases)).toContain('"command"');
  });
});

describe('durationMs', () => {
  it('reads the duration strings the config accepts', () => {
    expect(durationMs('30s')).toBe(30_000);
    expect(durationMs('5m')).toBe(300_000);
    expect(durationMs('1.5h')).toBe(5_400_000);
    expect(durationMs(250)).toBe(250);
    expect(() => durationMs('soon')).toThrow(/not a duration/);
  });
});

describe('the config reference in docs/', () => {
  it('is generated from the schema and committed as docs/config.md', async () => {
    const { renderConfigReference } = await import('./reference.js');
    const text = renderConfigReference();
    expect(text).toContain('| `exit.plateau.minImprovementPct` | number |  | `5` |');
    await expect(text).toMatchFileSnapshot('../../../../docs/config.md');
  });
});
