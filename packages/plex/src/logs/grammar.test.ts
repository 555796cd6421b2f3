import { describe, expect, it } from 'vitest';
import { httpStatusOf, parseExceptionTail, parsePlexLine, quotedUrlOf } from './grammar.js';
import { compareLogFilesOldestFirst, defaultPlexLogsDir, parseLogFileName } from './paths.js';
import { fromPlexTimestamp, toPlexTimestamp } from './time.js';

describe('parsePlexLine', () => {
  it('reads the file handler format with two spaces after the colon', () => {
    const record = parsePlexLine(
      "2019-02-26 21:33:48,052 (7f6f4ebd0700) :  DEBUG (networking:143) - Requesting 'http://x/y'",
    );
    expect(record).toMatchObject({
      timestamp: '2019-02-26 21:33:48,052',
      thread: '7f6f4ebd0700',
      level: 'DEBUG',
      source: 'networking:143',
      message: "Requesting 'http://x/y'",
      format: 'framework',
    });
  });

  it('accepts one space after the colon and negative thread ids', () => {
    const record = parsePlexLine('2016-05-01 12:55:30,825 (-490f4450) : ERROR (logkit:22) - boom');
    expect(record).toMatchObject({ thread: '-490f4450', level: 'ERROR', message: 'boom' });
  });

  it('reads the console variant with the padded logger name', () => {
    const record = parsePlexLine(
      '2015-11-02 18:29:16,866 - com.plexapp.agents.subzero       (-c2bb470) :  CRITICAL (agentkit:1057) - Exception in the update function',
    );
    expect(record).toMatchObject({
      logger: 'com.plexapp.agents.subzero',
      thread: '-c2bb470',
      format: 'console',
    });
  });

  it('reads HAMA re-formatted lines with module/function sources', () => {
    const record = parsePlexLine(
      '2017-01-20 13:20:21,707 - com.plexapp.agents.hama (12cc) : INFO (logkit/Info:16) - === Search - Begin - ===',
    );
    expect(record).toMatchObject({
      source: 'logkit/Info:16',
      level: 'INFO',
      message: '=== Search - Begin - ===',
    });
  });

  it('reads the framework format behind a syslog prefix and a journald ISO prefix', () => {
    const tail = '2018-03-25 15:01:56,586 - com.plexapp.agents.subzero (7f) :  ERROR (a:1) - m';
    expect(parsePlexLine(`Mar 25 15:01:56 mx sh[24490]: ${tail}`)?.message).toBe('m');
    expect(parsePlexLine(`2018-03-25T15:01:56+0100 mx plexmediaserver[12]: ${tail}`)?.message).toBe('m');
  });

  it('reads HAMA custom lines, per-request lines and the main server log format', () => {
    expect(parsePlexLine("2018-11-04 03:02:21,717 - 7fce3ae6b700 - Lock acquired: 'anidb'")).toMatchObject({
      format: 'agent-custom',
      thread: '7fce3ae6b700',
      level: undefined,
    });
    expect(parsePlexLine('CRITICAL (agentkit:1018) - Exception in the search function')).toMatchObject({
      format: 'request',
      timestamp: undefined,
    });
    expect(parsePlexLine('May 03, 2019 15:51:20.439 [0x7f145a1bd800] WARN - x')).toMatchObject({
      timestamp: '2019-05-03 15:51:20,439',
      level: 'WARNING',
      format: 'pms-main',
    });
  });

  it('returns undefined for traceback lines, tails and text that is not a record', () => {
    expect(parsePlexLine('  File "/x/agentkit.py", line 1055, in _update')).toBeUndefined();
    expect(parsePlexLine('HTTPError: HTTP Error 404: Not Found')).toBeUndefined();
    expect(
      parsePlexLine('10.08.2017  13:33            17,425 com.plexapp.agents.fanarttv.log'),
    ).toBeUndefined();
    expect(parsePlexLine('')).toBeUndefined();
  });
});

describe('traceback helpers', () => {
  it('splits the exception tail into type and message, qualified or not', () => {
    expect(parseExceptionTail('HTTPError: HTTP Error 404: Not Found')).toEqual({
      type: 'HTTPError',
      message: 'HTTP Error 404: Not Found',
    });
    expect(parseExceptionTail('urllib2.HTTPError: HTTP Error 429: Too Many Requests')?.type).toBe(
      'urllib2.HTTPError',
    );
    expect(parseExceptionTail("KeyError: 'queue'")).toEqual({ type: 'KeyError', message: "'queue'" });
    expect(parseExceptionTail('    json = x()')).toBeUndefined();
  });

  it('finds HTTP statuses and quoted URLs', () => {
    expect(httpStatusOf('HTTPError: HTTP Error 403: Forbidden')).toBe(403);
    expect(httpStatusOf('no status')).toBeUndefined();
    expect(quotedUrlOf("Error opening URL 'http://a.example/v2/x?y=1'")).toBe('http://a.example/v2/x?y=1');
  });
});

describe('log file names and folders', () => {
  it('reads bundle ids, rotation numbers and gzip from file names', () => {
    expect(parseLogFileName('com.plexapp.agents.hama.log')).toEqual({
      bundleId: 'com.plexapp.agents.hama',
      rotation: 0,
      gzip: false,
    });
    expect(parseLogFileName('com.plexapp.agents.hama.log.3.gz')).toEqual({
      bundleId: 'com.plexapp.agents.hama',
      rotation: 3,
      gzip: true,
    });
    expect(parseLogFileName('com.plexapp.system.32400.log')?.bundleId).toBe('com.plexapp.system');
    expect(parseLogFileName('notes.txt')).toBeUndefined();
  });

  it('orders rotated files oldest first', () => {
    const names = ['a.log', 'a.log.1', 'b.log.2', 'a.log.5', 'a.log.2', 'b.log'];
    expect([...names].sort(compareLogFilesOldestFirst)).toEqual([
      'a.log.5',
      'a.log.2',
      'a.log.1',
      'a.log',
      'b.log.2',
      'b.log',
    ]);
  });

  it('takes the Logs folder from PLEX_MEDIA_SERVER_LOG_DIR, else the per-OS default', () => {
    expect(defaultPlexLogsDir({ PLEX_MEDIA_SERVER_LOG_DIR: '/x/Logs' }, 'linux')).toBe('/x/Logs');
    expect(defaultPlexLogsDir({}, 'linux')).toBe(
      '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Logs',
    );
    expect(defaultPlexLogsDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32')).toContain(
      'Plex Media Server',
    );
    expect(defaultPlexLogsDir({}, 'darwin')).toMatch(/Library\/Logs\/Plex Media Server$/);
  });
});

describe('Plex timestamps', () => {
  it('round-trips a local Date through the Plex form', () => {
    const date = new Date(2024, 1, 29, 23, 59, 58, 7);
    expect(toPlexTimestamp(date)).toBe('2024-02-29 23:59:58,007');
    expect(fromPlexTimestamp('2024-02-29 23:59:58,007')?.getTime()).toBe(date.getTime());
    expect(fromPlexTimestamp('garbage')).toBeUndefined();
  });
});

describe('the fast path of the file handler format', () => {
  it('agrees with the full grammar on edge cases', () => {
    const cases = [
      '2019-02-26 21:33:48,052 (7f6f) :  DEBUG (networking:143) - m',
      '2019-02-26 21:33:48,052 (-7f6f) :  DEBUG (a:1) - ',
      '2019-02-26 21:33:48,052 (7f-6f) :  DEBUG (a:1) - m',
      '2019-02-26 21:33:48,052 (-) :  DEBUG (a:1) - m',
      '2019-02-26 21:33:48,052 (xyz) :  DEBUG (a:1) - m',
      '2019-02-26 21:33:48,052 (7f) :DEBUG (a:1) - m',
      '2019-02-26 21:33:48,052 (7f) :  debug (a:1) - m',
      '2019-02-26 21:33:48,052 (7f) :  DEBUG (a:1) -m',
      '2019-02-26 21:33:48,052 (7f) :  DEBUG (a:1)) - m',
      '2019-02-2x 21:33:48,052 (7f) :  DEBUG (a:1) - m',
      '2019-02-26 21:33:48,052 (7f) :\tDEBUG (a:1) - m',
    ];
    const expected = [
      { thread: '7f6f', level: 'DEBUG', source: 'networking:143', message: 'm' },
      { thread: '-7f6f', level: 'DEBUG', source: 'a:1', message: '' },
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      { thread: '7f', level: 'DEBUG', source: 'a:1', message: 'm' },
    ];
    cases.forEach((line, index) => {
      const record = parsePlexLine(line);
      const want = expected[index];
      if (want === undefined) expect(record, line).toBeUndefined();
      else expect(record, line).toMatchObject(want);
    });
  });
});
