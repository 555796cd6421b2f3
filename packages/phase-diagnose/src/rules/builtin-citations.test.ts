import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'rules', 'plex.yaml');

describe('the built-in Plex rules', () => {
  it('cite only documents users have: Ratchet docs/plex/ERRORS.md, never the workspace shared/ folder', () => {
    const text = readFileSync(RULES, 'utf8');
    expect(text).not.toMatch(/(^|[^\w])shared\//m);
    expect(text).toContain('docs/plex/ERRORS.md kind 5');
  });
});
