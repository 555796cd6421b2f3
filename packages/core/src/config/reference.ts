import { configJsonSchema } from './schema.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'any'}[]`;
  if (schema.type === 'object' && !schema.properties) return 'object';
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
}

function rows(schema: JsonSchema, path: string, out: string[]): void {
  const variants = schema.anyOf?.filter((v) => v.properties) ?? [];
  const objects = schema.properties ? [schema] : variants;
  for (const object of objects) {
    for (const [key, child] of Object.entries(object.properties ?? {})) {
      if (key === '$schema') continue;
      const childPath = path ? `${path}.${key}` : key;
      const required = object.required?.includes(key) && child.default === undefined ? 'yes' : '';
      const fallback = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``;
      const description = (
        child.description ??
        child.anyOf?.find((v) => v.description)?.description ??
        ''
      ).replace(/\|/g, '\\|');
      out.push(`| \`${childPath}\` | ${typeOf(child)} | ${required} | ${fallback} | ${description} |`);
      rows(child, childPath, out);
    }
  }
}

/** The config reference in markdown, generated from the zod schema so that it cannot drift. */
export function renderConfigReference(): string {
  const out = [
    '# Config reference',
    '',
    '<!-- Generated from packages/core/src/config/schema.ts by a test (vitest -u rewrites it). Do not edit. -->',
    '',
    'Ratchet finds its config with cosmiconfig under the name `ratchet`: `ratchet.config.ts`, `.mts`,',
    '`.mjs`, `.js`, `.cjs`, `.json`, `.yaml`, `.yml`, `.ratchetrc` (JSON or YAML), `.ratchetrc.*`, or the `ratchet`',
    'key of `package.json`, in the current folder or a parent. `export default defineConfig({...})` from',
    '`@ratchet/core` gives types; `@ratchet/core/schema.json` is the JSON Schema for editors. Strings may',
    'hold `${NAME}` or `${NAME:-default}`: resolved from the environment in memory only, never written.',
    'A string that starts with `TODO:` (left by `ratchet init` where it found nothing) is refused.',
    '',
    '## Metric names',
    '',
    '`objective.metric`, `objective.per` and `judge.criticalMetrics` must name metrics the aggregate phase',
    'produces; `ratchet validate` and `ratchet run` refuse any other name (exit 2, with the nearest name).',
    "`ratchet validate` prints the names; the built-in presets' are listed in aggregate.md. A command phase",
    'lists its own in `phases.aggregate.metrics`; a module phase declares them with `declaredMetrics()`',
    '(see writing-a-phase.md). Without a declaration, names are not checked.',
    '',
    '## Keys',
    '',
    '| key | type | required | default | meaning |',
    '|---|---|---|---|---|',
  ];
  rows(configJsonSchema() as JsonSchema, '', out);
  return `${out.join('\n')}\n`;
}
