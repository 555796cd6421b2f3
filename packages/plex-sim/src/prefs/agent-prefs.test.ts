import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentPrefsFile, parsePrefs, readPrefs, SHIPPED_PREFS, serializePrefs } from './agent-prefs.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('agent preferences', () => {
  it('round-trips the shipped values through the PluginPreferences file format', () => {
    const xml = serializePrefs(SHIPPED_PREFS);
    expect(xml).toContain('<PluginPreferences>');
    expect(xml).toContain('<match_threshold>85</match_threshold>');
    expect(xml).toContain('<api_base_url>http://api.simdb.example/v2</api_base_url>');
    expect(parsePrefs(xml)).toEqual(SHIPPED_PREFS);
  });

  it('reads a file edited the way a set-pref action edits it', () => {
    const xml = serializePrefs(SHIPPED_PREFS)
      .replace('<normalize_titles>false<', '<normalize_titles>true<')
      .replace('<max_retries>0<', '<max_retries>3<');
    expect(parsePrefs(xml)).toMatchObject({ normalizeTitles: true, maxRetries: 3, matchThreshold: 85 });
  });

  it('keeps shipped values for absent keys and ignores unknown keys', () => {
    const prefs = parsePrefs(
      '<PluginPreferences><match_threshold>60</match_threshold><colour>red</colour></PluginPreferences>',
    );
    expect(prefs).toEqual({ ...SHIPPED_PREFS, matchThreshold: 60 });
  });

  it('names the file and the key when a value is bad', () => {
    expect(() =>
      parsePrefs(
        '<PluginPreferences><match_threshold>high</match_threshold></PluginPreferences>',
        '/x/p.xml',
      ),
    ).toThrow(/\/x\/p\.xml: match_threshold: expected an integer, got "high"/);
    expect(() => parsePrefs('<PluginPreferences><max_retries>99</max_retries></PluginPreferences>')).toThrow(
      /max_retries: expected 0 to 10/,
    );
    expect(() =>
      parsePrefs('<PluginPreferences><normalize_titles>yes</normalize_titles></PluginPreferences>'),
    ).toThrow(/normalize_titles: expected true or false/);
    expect(() =>
      parsePrefs('<PluginPreferences><api_base_url>ftp://x</api_base_url></PluginPreferences>'),
    ).toThrow(/api_base_url/);
  });

  it('rejects a document that is not well-formed or has another root, with a RatchetError code', () => {
    expect(() => parsePrefs('<PluginPreferences><match_threshold>60</PluginPreferences>')).toThrow(
      /not well-formed XML/,
    );
    try {
      parsePrefs('<Preferences/>');
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe('INPUT_INVALID');
      expect((error as Error).message).toMatch(/root element must be <PluginPreferences>/);
    }
  });

  it('uses the shipped values when the data folder has no preferences file yet', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plex-sim-prefs-'));
    folders.push(folder);
    expect(await readPrefs(folder)).toEqual(SHIPPED_PREFS);
    mkdirSync(dirname(agentPrefsFile(folder)), { recursive: true });
    writeFileSync(
      agentPrefsFile(folder),
      '<PluginPreferences><request_interval_ms>1000</request_interval_ms></PluginPreferences>',
    );
    expect((await readPrefs(folder)).requestIntervalMs).toBe(1000);
  });
});
