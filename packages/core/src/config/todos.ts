import { RatchetError } from '../errors/ratchet-error.js';

const TODO = /^TODO:/;

function collect(value: unknown, path: string[], found: Array<{ key: string; text: string }>): void {
  if (typeof value === 'string') {
    if (TODO.test(value)) found.push({ key: path.join('.') || '(root)', text: value });
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) collect(item, [...path, String(index)], found);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collect(item, [...path, key], found);
  }
}

/**
 * `ratchet init` writes "TODO: ..." where it could not find a value (the logs of a Plex install it
 * did not find, say). Such a config must not run: it would measure nothing and say nothing.
 */
export function refuseTodos(config: unknown, source: string): void {
  const found: Array<{ key: string; text: string }> = [];
  collect(config, [], found);
  if (found.length === 0) return;
  const problems = found.map(({ key, text }) => `${key}: ${text}`);
  throw new RatchetError('CONFIG_INVALID', `${source} still has a TODO:\n  - ${problems.join('\n  - ')}`, {
    details: { problems },
    hint: 'replace each TODO with the value it asks for (ratchet init could not find it)',
  });
}
