import { describe, expect, it } from 'vitest';
import { checkAction } from './validate-action.js';

describe('checkAction', () => {
  it('accepts one well-formed action of each type in the vocabulary', () => {
    const actions = [
      {
        type: 'edit',
        file: 'agent/Contents/Code/__init__.py',
        search: 'timeout=5',
        replace: 'timeout=30',
        count: 1,
      },
      { type: 'patch', file: 'a.py', diff: '--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\n' },
      { type: 'set-pref', bundleId: 'com.plexapp.agents.simdb', key: 'max_retries', value: '3' },
      { type: 'json-set', file: 'settings.json', path: ['agents', 'simdb', 'retries'], value: { n: [1, 2] } },
      { type: 'delete', path: 'Metadata/Movies/a/1.bundle/Contents/com.x' },
      { type: 'command', argv: ['plexctl', 'clear-cache'], undo: ['true'], timeoutMs: 5000 },
      { type: 'restart' },
    ];
    for (const action of actions) expect(checkAction(action), action.type).toEqual([]);
  });

  it('names the missing or wrongly typed field', () => {
    expect(checkAction({ type: 'set-pref', bundleId: 'x', key: 'k', value: { nested: 3 } })).toEqual([
      expect.objectContaining({ path: 'value' }),
    ]);
    expect(checkAction({ type: 'command', argv: [] })).toEqual([
      { path: 'argv', message: 'must hold at least the program name' },
    ]);
    expect(checkAction({ type: 'json-set', file: 'f.json', path: 'a.b', value: () => 1 })[0]?.path).toBe(
      'value',
    );
  });

  it('refuses unknown types and unknown fields', () => {
    expect(checkAction({ type: 'format-disk' })[0]?.message).toContain('unknown action type "format-disk"');
    expect(checkAction({ type: 'restart', force: true })).toEqual([
      { path: '', message: 'unknown key(s) force for restart' },
    ]);
    expect(checkAction('restart')[0]?.message).toBe('an action must be an object with a `type`');
  });
});
