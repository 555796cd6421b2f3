import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentUses, findProgram } from './world-checks.js';

describe('environmentUses', () => {
  it('says which ${NAME} references are set, and which are unset and fall back to their default', () => {
    const config = {
      url: '${PLEX_URL:-http://127.0.0.1:32400}',
      roots: ['${PLEX_DATA_DIR:-/var/lib/plex}', '${EMPTY:-x}'],
      nested: { token: '${PLEX_TOKEN}' },
    };
    expect(environmentUses(config, { PLEX_TOKEN: 't', EMPTY: '' })).toEqual([
      { name: 'PLEX_URL', set: false },
      { name: 'PLEX_DATA_DIR', set: false },
      { name: 'EMPTY', set: false },
      { name: 'PLEX_TOKEN', set: true },
    ]);
  });
});

describe('findProgram', () => {
  it('finds a name on PATH or an executable path, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-path-'));
    writeFileSync(join(dir, 'restart-plex'), '#!/bin/sh\n');
    chmodSync(join(dir, 'restart-plex'), 0o755);
    writeFileSync(join(dir, 'not-executable'), 'x');
    expect(findProgram('restart-plex', '/', { PATH: `/nonexistent:${dir}` })).toBe(join(dir, 'restart-plex'));
    expect(findProgram('restart-plex', '/', { PATH: '/nonexistent' })).toBeUndefined();
    expect(findProgram('./restart-plex', dir, { PATH: '' })).toBe(join(dir, 'restart-plex'));
    expect(findProgram('./not-executable', dir, { PATH: '' })).toBeUndefined();
    expect(findProgram('systemctl', '/', { PATH: dir })).toBeUndefined();
  });
});
