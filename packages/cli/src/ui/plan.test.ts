import { describe, expect, it } from 'vitest';
import { escapeControlLocal, formatChanges } from './plan.js';

describe('the plan on the terminal', () => {
  it('shows each change with its diff, and escapes control characters a hostile file may hold', () => {
    const text = formatChanges('plan for f:', [
      { action: 'write', path: 'a.json', description: 'would change the file', diff: '-x\n+\u001b[2Jy\n' },
    ]);
    expect(text).toBe('plan for f:\n  ~ would change the file (a.json)\n    -x\n    +\\x1b[2Jy\n');
    expect(escapeControlLocal('a\rb\u0007c\td\ne')).toBe('a\\x0db\\x07c\td\ne');
  });
});
