import type { SimLibrary } from '../../../library/library.js';
import type { ContainerNode } from '../../media-container.js';
import { SIM_SERVER_VERSION } from '../../version.js';

export function identityNode(library: SimLibrary): ContainerNode {
  return {
    size: 0,
    claimed: true,
    machineIdentifier: library.machineIdentifier,
    version: SIM_SERVER_VERSION,
  };
}

/**
 * `GET /`: the fields a real (unclaimed-to-plex.tv, Linux) server sends, after the OpenAPI
 * description's `ServerConfiguration` and docs/plex/API.md; features the simulator lacks are off.
 */
export function serverInfoNode(library: SimLibrary): ContainerNode {
  return {
    ...identityNode(library),
    size: 4,
    allowCameraUpload: false,
    allowChannelAccess: false,
    allowMediaDeletion: false,
    allowSharing: false,
    allowSync: false,
    allowTuners: false,
    backgroundProcessing: false,
    certificate: false,
    companionProxy: false,
    countryCode: 'usa',
    diagnostics: '',
    eventStream: true,
    friendlyName: 'Ratchet SimDB server',
    hubSearch: true,
    itemClusters: false,
    livetv: 0,
    mediaProviders: true,
    multiuser: false,
    musicAnalysis: 0,
    myPlex: false,
    myPlexMappingState: 'unknown',
    myPlexSigninState: 'none',
    myPlexSubscription: false,
    myPlexUsername: '',
    offlineTranscode: 0,
    ownerFeatures: '',
    platform: 'Linux',
    platformVersion: process.version,
    pluginHost: true,
    pushNotifications: false,
    readOnlyLibraries: false,
    streamingBrainABRVersion: 3,
    streamingBrainVersion: 2,
    sync: false,
    transcoderActiveVideoSessions: 0,
    transcoderAudio: false,
    transcoderLyrics: false,
    transcoderPhoto: false,
    transcoderSubtitles: false,
    transcoderVideo: false,
    transcoderVideoBitrates: '64,96,208,320,720,1500,2000,3000,4000,8000,10000,12000,20000',
    transcoderVideoQualities: '0,1,2,3,4,5,6,7,8,9,10,11,12',
    transcoderVideoResolutions: '128,128,160,240,320,480,768,720,720,1080,1080,1080,1080',
    updatedAt: Math.floor(Date.now() / 1000),
    updater: false,
    voiceSearch: false,
    Directory: ['activities', 'identity', 'library', 'status'].map((key) => ({ count: 1, key, title: key })),
  };
}

/** `GET /:/prefs`: a few of a real server's settings, with the fields clients read. */
export function serverPrefsNode(library: SimLibrary): ContainerNode {
  const settings: ContainerNode[] = [
    setting('FriendlyName', 'Friendly name', 'text', '', 'Ratchet SimDB server', 'general'),
    setting('MachineIdentifier', 'Machine identifier', 'text', '', library.machineIdentifier, '', true),
    setting(
      'ScheduledLibraryUpdatesEnabled',
      'Update my library periodically',
      'bool',
      false,
      false,
      'library',
    ),
    setting('FSEventLibraryUpdatesEnabled', 'Scan my library automatically', 'bool', false, false, 'library'),
    setting('ButlerUpdateChannel', 'Server update channel', 'int', 16, 16, 'general'),
    setting('logDebug', 'Enable Plex Media Server debug logging', 'bool', true, true, 'general'),
  ];
  return { size: settings.length, Setting: settings };
}

function setting(
  id: string,
  label: string,
  type: 'text' | 'bool' | 'int',
  defaultValue: string | number | boolean,
  value: string | number | boolean,
  group: string,
  hidden = false,
): ContainerNode {
  return { id, label, summary: label, type, default: defaultValue, value, hidden, advanced: false, group };
}
