import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RatchetError, writeFileAtomic } from '@ratchet/core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AGENT_BUNDLE_ID } from '../library/library.js';
import { escapeXml } from '../util/xml-escape.js';

export interface AgentPrefs {
  normalizeTitles: boolean;
  matchThreshold: number;
  maxRetries: number;
  requestIntervalMs: number;
  apiBaseUrl: string;
}

/** The keys as they appear in the preferences file (and in fixes' `set-pref` actions). */
export const PREF_KEYS = {
  normalizeTitles: 'normalize_titles',
  matchThreshold: 'match_threshold',
  maxRetries: 'max_retries',
  requestIntervalMs: 'request_interval_ms',
  apiBaseUrl: 'api_base_url',
} as const satisfies Record<keyof AgentPrefs, string>;

export const MOVED_API_BASE_URL = 'http://api.simdb.example/v2';
export const CURRENT_API_BASE_URL = 'http://api.simdb.example/v3';

/** What the agent ships with: every effect described in docs/design/integration.md starts here. */
export const SHIPPED_PREFS: Readonly<AgentPrefs> = Object.freeze({
  normalizeTitles: false,
  matchThreshold: 85,
  maxRetries: 0,
  requestIntervalMs: 0,
  apiBaseUrl: MOVED_API_BASE_URL,
});

export function agentPrefsFile(dataDir: string): string {
  return join(dataDir, 'Plug-in Support', 'Preferences', `${AGENT_BUNDLE_ID}.xml`);
}

export function serializePrefs(prefs: AgentPrefs): string {
  const lines = (Object.keys(PREF_KEYS) as Array<keyof AgentPrefs>).map(
    (name) => `  <${PREF_KEYS[name]}>${escapeXml(String(prefs[name]))}</${PREF_KEYS[name]}>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>\n<PluginPreferences>\n${lines.join('\n')}\n</PluginPreferences>\n`;
}

export async function writePrefs(dataDir: string, prefs: AgentPrefs): Promise<void> {
  await writeFileAtomic(agentPrefsFile(dataDir), serializePrefs(prefs), { verbatim: true });
}

function invalid(file: string, key: string, problem: string): RatchetError {
  return new RatchetError('INPUT_INVALID', `plex-sim: ${file}: ${key}: ${problem}`, {
    hint: `Fix the value in ${file}, or delete the file to go back to the shipped preferences.`,
  });
}

function integerIn(file: string, key: string, raw: string, low: number, high: number): number {
  if (!/^-?\d+$/.test(raw.trim())) throw invalid(file, key, `expected an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < low || value > high) throw invalid(file, key, `expected ${low} to ${high}, got ${value}`);
  return value;
}

/**
 * Parse a `<PluginPreferences>` document. Keys that are absent keep their shipped value (as Plex
 * does with DefaultPrefs.json); unknown keys are ignored; a present but bad value is an error.
 */
export function parsePrefs(xml: string, file = 'preferences'): AgentPrefs {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw invalid(file, '(document)', `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  }
  const parsed = new XMLParser({ parseTagValue: false, trimValues: true, ignoreDeclaration: true }).parse(
    xml,
  ) as Record<string, unknown> | undefined;
  const root = parsed?.['PluginPreferences'];
  if (root === undefined) throw invalid(file, '(document)', 'the root element must be <PluginPreferences>');
  const values = (typeof root === 'object' && root !== null ? root : {}) as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = values[key];
    if (value === undefined) return undefined;
    if (typeof value === 'object') throw invalid(file, key, 'expected a single text value');
    return String(value);
  };
  const prefs: AgentPrefs = { ...SHIPPED_PREFS };
  const normalize = text(PREF_KEYS.normalizeTitles);
  if (normalize !== undefined) {
    if (!/^(true|false)$/i.test(normalize)) {
      throw invalid(file, PREF_KEYS.normalizeTitles, `expected true or false, got "${normalize}"`);
    }
    prefs.normalizeTitles = normalize.toLowerCase() === 'true';
  }
  const threshold = text(PREF_KEYS.matchThreshold);
  if (threshold !== undefined)
    prefs.matchThreshold = integerIn(file, PREF_KEYS.matchThreshold, threshold, 0, 100);
  const retries = text(PREF_KEYS.maxRetries);
  if (retries !== undefined) prefs.maxRetries = integerIn(file, PREF_KEYS.maxRetries, retries, 0, 10);
  const interval = text(PREF_KEYS.requestIntervalMs);
  if (interval !== undefined) {
    prefs.requestIntervalMs = integerIn(file, PREF_KEYS.requestIntervalMs, interval, 0, 60_000);
  }
  const base = text(PREF_KEYS.apiBaseUrl);
  if (base !== undefined) {
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw invalid(file, PREF_KEYS.apiBaseUrl, `expected an http(s) URL, got "${base}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid(file, PREF_KEYS.apiBaseUrl, `expected an http(s) URL, got "${base}"`);
    }
    prefs.apiBaseUrl = base.replace(/\/+$/, '');
  }
  return prefs;
}

/** Read the agent's preferences; a missing file means the shipped values. */
export async function readPrefs(dataDir: string): Promise<AgentPrefs> {
  const file = agentPrefsFile(dataDir);
  let xml: string;
  try {
    xml = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...SHIPPED_PREFS };
    throw new RatchetError('INPUT_INVALID', `plex-sim: cannot read ${file}`, { cause: error });
  }
  return parsePrefs(xml, file);
}
