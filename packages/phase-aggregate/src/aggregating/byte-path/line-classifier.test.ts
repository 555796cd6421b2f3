import { join } from 'node:path';
import type { LogRule } from '@ratchet/plex';
import {
  searchItemIdOf,
  searchItemIdOfBytes,
  TRACEBACK_HEADER_SUFFIX,
  UPDATE_REQUEST_MARKER,
} from '@ratchet/plex';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../reading/line-reader.js';
import { plexLine, testdir } from '../../testdir.test-helpers.js';
import { aggregatePlexLogs } from '../aggregate-logs.js';
import { fullPathOnly } from '../full-path.test-helpers.js';
import { PlexAggregator } from '../plex-aggregator.js';
import {
  OPERATION_LOADING_MODEL,
  OPERATION_NONE,
  OPERATION_SEARCH,
  OPERATION_UPDATE,
  PlexLineClassifier,
} from './line-classifier.js';

/** A small deterministic generator (mulberry32), so that failures can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USER_RULES: LogRule[] = [
  { name: 'quota', category: 'rate-limited', message: 'quota (exceeded|reached)', contains: ['quota'] },
];

/** Every text that makes a message need the full path: the built-in needles and the user rule's. */
const NEEDLES = ['<urlopen error', 'Error 429', 'banned', 'did not pull any results', 'threshold', 'quota'];
/** Message pieces: needles, near misses of needles, and ordinary words. */
const PIECES = [
  ...NEEDLES,
  'Error 42',
  'Error 4299',
  'bann',
  'did not pull any result',
  'thresh old',
  'quot',
  '<urlopen',
  'Candidate',
  'scored 27',
  'é',
  ' ',
  'http://api.simdb.example/v2/search?q=x',
];

describe('PlexLineClassifier needles', () => {
  it('finds exactly the messages that hold a needle, line after line in one buffer and across buffers', () => {
    const next = random(11);
    for (let round = 0; round < 20; round += 1) {
      const classifier = new PlexLineClassifier(USER_RULES);
      const messages: string[] = [];
      for (let i = 0; i < 200; i += 1) {
        let message = '';
        const count = 1 + Math.floor(next() * 5);
        for (let j = 0; j < count; j += 1) message += PIECES[Math.floor(next() * PIECES.length)];
        messages.push(message);
      }
      const lines = messages.map((message) =>
        plexLine('2026-01-01 00:00:00,000', '7f6f4ebd0700', 'DEBUG', 'sandbox:19', message),
      );
      // Several buffers, as the reader hands them over (one per chunk).
      for (let from = 0; from < lines.length; from += 50) {
        const chunk = Buffer.from(`${lines.slice(from, from + 50).join('\n')}\n`, 'utf8');
        let start = 0;
        for (let i = from; i < Math.min(from + 50, lines.length); i += 1) {
          const end = chunk.indexOf(10, start);
          expect(classifier.parse(chunk, start, end)).toBe(true);
          const message = messages[i] as string;
          const expected = NEEDLES.some((needle) => message.includes(needle));
          expect(classifier.needsFullPath(chunk, classifier.messageStart, end), message).toBe(expected);
          start = end + 1;
        }
      }
    }
  });

  it('tells the records that only start an operation or name its item', () => {
    const classifier = new PlexLineClassifier();
    const kindOf = (message: string, rules?: PlexLineClassifier): number => {
      const bytes = Buffer.from(plexLine('2026-01-01 00:00:00,000', '7f', 'DEBUG', 'agentkit:961', message));
      const used = rules ?? classifier;
      expect(used.parse(bytes, 0, bytes.length)).toBe(true);
      return used.operationKind(bytes, used.messageStart, bytes.length);
    };
    const search = "Searching for matches for {'id': '7', 'name': 'Heat'}";
    expect(kindOf(search)).toBe(OPERATION_SEARCH);
    expect(kindOf(`Handling request GET /:/plugins/x${UPDATE_REQUEST_MARKER}/abc`)).toBe(OPERATION_UPDATE);
    expect(kindOf('Handling request GET /:/plugins/x/messaging/function/X0FnZW50S2l0OlNlYXJjaA__')).toBe(
      OPERATION_NONE,
    );
    expect(kindOf('Loading model with GUID com.plexapp.agents.simdb://7?lang=en')).toBe(
      OPERATION_LOADING_MODEL,
    );
    // Anything a metric or rule looks at sends the record down the full path.
    expect(kindOf(`${search} <urlopen error timed out>`)).toBe(OPERATION_NONE);
    expect(kindOf(`${search} threshold`)).toBe(OPERATION_NONE);
    expect(kindOf(`${search} ${TRACEBACK_HEADER_SUFFIX}`)).toBe(OPERATION_NONE);
    expect(kindOf('Candidate Heat scored 27')).toBe(OPERATION_NONE);
    // A user rule whose prefix could match a search message: searches are no longer only searches.
    const withSearchRule = new PlexLineClassifier([
      { name: 'odd search', category: 'search-exception', message: '^Searching for matches for \\{\\}' },
    ]);
    expect(kindOf(search, withSearchRule)).toBe(OPERATION_NONE);
    expect(kindOf('Loading model with GUID x', withSearchRule)).toBe(OPERATION_LOADING_MODEL);
  });
});

describe('searchItemIdOfBytes', () => {
  it('reads the same id as the regex of searchItemIdOf, on messages built to confuse it', () => {
    const next = random(5);
    const pieces = ['{', ',', ' ', 'u', "'id': ", "'", 'é', '42', 'id', ':', "''", 'x', "{'id': '", "u'"];
    for (let i = 0; i < 5000; i += 1) {
      let message = 'Searching for matches for ';
      const count = 1 + Math.floor(next() * 10);
      for (let j = 0; j < count; j += 1) message += pieces[Math.floor(next() * pieces.length)];
      const bytes = Buffer.from(`head ${message}`, 'utf8');
      expect(searchItemIdOfBytes(bytes, 5, bytes.length), message).toBe(searchItemIdOf(message));
    }
    const real = "Searching for matches for {'id': '1001', 'name': 'Amélie', 'year': '1971'}";
    const bytes = Buffer.from(real);
    expect(searchItemIdOfBytes(bytes, 0, bytes.length)).toBe('1001');
  });
});

describe('the byte path keeps threads and timestamps apart', () => {
  it('gives each spelling of a thread id its own operation, as the string path does', async () => {
    // Ids that a careless numeric key would merge: leading zeros, a sign, upper case, 16 digits.
    const threads = ['7f', '07f', '-7f', '7F', '0', '-0', '00', 'abcdef0123456789', 'abcdef012345678a'];
    const lines: string[] = [];
    threads.forEach((thread, index) => {
      lines.push(
        plexLine(
          '2026-01-01 00:00:00,000',
          thread,
          'INFO',
          'agentkit:961',
          `Searching for matches for {'id': '${index}'}`,
        ),
      );
    });
    // Only some threads fail: an item marked failed on the wrong thread shows in the outcomes.
    threads.forEach((thread, index) => {
      if (index % 2 === 0)
        lines.push(
          plexLine('2026-01-01 00:00:01,000', thread, 'ERROR', 'agentkit:961', 'No match found for it'),
        );
    });
    const dir = await testdir({ 'com.plexapp.agents.simdb.log': `${lines.join('\n')}\n` });
    const result = await aggregatePlexLogs({ paths: [dir] });
    expect(result.items).toEqual(threads.map((_, index) => ({ item: String(index), ok: index % 2 !== 0 })));
    expect(result).toEqual(await fullPathOnly([dir]));
  });

  it('keeps the timestamp of a record counted at the end of one read chunk for a record without one', async () => {
    // A request-format line has no timestamp of its own: it takes the previous record's, which the
    // byte path counted without decoding, from a read buffer that is reused for later chunks.
    const content = [
      plexLine('2026-03-04 05:06:00,000', '7f', 'DEBUG', 'sandbox:19', 'first record'),
      plexLine('2026-03-04 05:06:07,890', '7f', 'DEBUG', 'sandbox:19', 'plain record'),
      `ERROR (core:12) - the agent could not be reached ${'x'.repeat(300)}`,
      plexLine('2026-03-04 05:07:00,000', '7f', 'DEBUG', 'sandbox:19', 'later record'),
      plexLine('2026-03-04 05:08:00,000', '7f', 'DEBUG', 'sandbox:19', 'last record'),
    ].join('\n');
    const dir = await testdir({ 'com.plexapp.agents.simdb.log': `${content}\n` });
    const expected = (await fullPathOnly([dir])) as { errorTypes: Array<{ firstSeen?: string }> };
    expect(expected.errorTypes[0]?.firstSeen).toContain('05:06:07');
    expect(await aggregatePlexLogs({ paths: [dir] })).toEqual(expected);
    const path = join(dir, 'com.plexapp.agents.simdb.log');
    for (let chunkBytes = 40; chunkBytes < 400; chunkBytes += 7) {
      const aggregator = new PlexAggregator();
      aggregator.beginFile(path, 'com.plexapp.agents.simdb');
      const { stats, problems } = await readLines(path, (line) => aggregator.line(line), {
        chunkBytes,
        onLineBytes: (bytes, start, end) => aggregator.lineBytes(bytes, start, end),
        afterChunk: () => aggregator.releaseBytes(),
      });
      aggregator.fileRead(stats, problems);
      aggregator.endFile();
      expect(aggregator.result({}), `${chunkBytes}-byte chunks`).toEqual(expected);
    }
  });
});
