import { describe, expect, it } from 'vitest';
import { parseRefreshNotifications } from './notifications.js';

describe('parseRefreshNotifications', () => {
  it('reads an ended refresh activity as captured from a real server (Tautulli-Issues #174)', () => {
    const frame =
      '{"NotificationContainer":{"type":"activity","size":1,"ActivityNotification":[{"event":"ended","uuid":"fe1365a6","Activity":{"uuid":"fe1365a6","type":"library.refresh.items","cancellable":false,"userID":1,"title":"Refreshing","subtitle":"Augmenting metadata","progress":100,"Context":{"key":"/library/metadata/16417/children"}}}]}}';
    expect(parseRefreshNotifications(frame)).toEqual([{ ratingKey: '16417', signal: 'activity-ended' }]);
  });

  it('ignores activities that are still running and other kinds of activity', () => {
    const frame = JSON.stringify({
      NotificationContainer: {
        type: 'activity',
        ActivityNotification: [
          {
            event: 'updated',
            Activity: { type: 'library.refresh.items', Context: { key: '/library/metadata/513' } },
          },
          {
            event: 'ended',
            Activity: { type: 'library.update.section', Context: { key: '/library/sections/1' } },
          },
        ],
      },
    });
    expect(parseRefreshNotifications(frame)).toEqual([]);
  });

  it('reads processed library timeline entries and ignores EPG ones and unfinished ones', () => {
    const frame = JSON.stringify({
      NotificationContainer: {
        type: 'timeline',
        TimelineEntry: [
          { identifier: 'com.plexapp.plugins.library', sectionID: '1', itemID: 335, state: 5 },
          { identifier: 'com.plexapp.plugins.library', itemID: 336, state: 5, metadataState: 'queued' },
          { identifier: 'tv.plex.providers.epg.onconnect:4', sectionID: 1, itemID: 337, type: 1, state: 5 },
          { identifier: 'com.plexapp.plugins.library', itemID: 338, state: 3, metadataState: 'loading' },
        ],
      },
    });
    expect(parseRefreshNotifications(frame)).toEqual([{ ratingKey: '335', signal: 'timeline-processed' }]);
  });

  it('returns nothing for frames that are not JSON', () => {
    expect(parseRefreshNotifications('not json')).toEqual([]);
    expect(parseRefreshNotifications('{"other":1}')).toEqual([]);
  });
});
