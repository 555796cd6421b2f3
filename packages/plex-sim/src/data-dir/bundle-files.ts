import { AGENT_BUNDLE_ID } from '../library/library.js';
import { PREF_KEYS, SHIPPED_PREFS } from '../prefs/agent-prefs.js';

/** Plug-ins/SimDB.bundle, laid out like a legacy agent bundle (Info.plist, DefaultPrefs.json, Code/). */
export function bundleFiles(): Record<string, string> {
  const infoPlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>CFBundleIdentifier</key><string>${AGENT_BUNDLE_ID}</string>
  <key>PlexPluginClass</key><string>Agent</string>
  <key>PlexFrameworkVersion</key><string>2</string>
  <key>PlexPluginCodePolicy</key><string>Elevated</string>
  <key>PlexAgentAttributionText</key><string>Metadata from SimDB, a fictional provider for tests.</string>
</dict>
</plist>
`;
  const defaultPrefs = [
    {
      id: PREF_KEYS.normalizeTitles,
      label: 'Normalise titles before matching',
      type: 'bool',
      default: String(SHIPPED_PREFS.normalizeTitles),
    },
    {
      id: PREF_KEYS.matchThreshold,
      label: 'Minimum match score (0-100)',
      type: 'text',
      default: String(SHIPPED_PREFS.matchThreshold),
    },
    {
      id: PREF_KEYS.maxRetries,
      label: 'Retries on HTTP 429',
      type: 'text',
      default: String(SHIPPED_PREFS.maxRetries),
    },
    {
      id: PREF_KEYS.requestIntervalMs,
      label: 'Pause between requests (ms)',
      type: 'text',
      default: String(SHIPPED_PREFS.requestIntervalMs),
    },
    {
      id: PREF_KEYS.apiBaseUrl,
      label: 'SimDB API base URL',
      type: 'text',
      default: SHIPPED_PREFS.apiBaseUrl,
    },
  ];
  const code = `# The SimDB agent is simulated by @ratchet/plex-sim (TypeScript); this file only marks the bundle.
# Its behaviour is described in docs/plex-sim.md.

def Start():
    HTTP.CacheTime = CACHE_1DAY


class SimDBAgent(Agent.Movies):
    name = 'SimDB'
    languages = [Locale.Language.English]
    primary_provider = True
`;
  return {
    'Contents/Info.plist': infoPlist,
    'Contents/DefaultPrefs.json': `${JSON.stringify(defaultPrefs, null, 2)}\n`,
    'Contents/Code/__init__.py': code,
  };
}
