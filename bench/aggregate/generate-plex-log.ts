/**
 * Writes a plug-in log of a given size in the real framework format, with the mix a busy agent
 * produces: searches and updates on several threads, requests, cache hits, HTTP errors with
 * tracebacks, time-outs, model read errors and title-match scores. Deterministic (seeded).
 *
 * Two profiles: `errors2` (about 2% of the records are ERROR or CRITICAL: a working agent) and
 * `errors10` (about 10%, half of them with a traceback: the log of a broken agent, where update
 * functions raise too).
 *
 *   node_modules/.bin/jiti bench/aggregate/generate-plex-log.ts OUT.log [MiB=1024] [errors2|errors10]
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface GeneratedCounts {
  bytes: number;
  lines: number;
  searchOps: number;
  updateOps: number;
  urlErrors: number;
  modelErrors: number;
  exceptions: number;
  /** ERROR and CRITICAL records, and those of them followed by a traceback. */
  errorRecords: number;
  errorsWithTraceback: number;
}

export type ErrorProfile = 'errors2' | 'errors10';

interface ProfileOdds {
  /** Per search: an HTTP error with its traceback (two error records, one with a traceback). */
  httpTraceback: number;
  /** Per search: a time-out (one error record). */
  timeout: number;
  /** Per update: a model read error (one error record). */
  modelError: number;
  /** Per update: the update function raises (one CRITICAL record with a traceback). */
  updateException: number;
}

export const ERROR_PROFILES: Readonly<Record<ErrorProfile, ProfileOdds>> = {
  errors2: { httpTraceback: 0.08, timeout: 0.02, modelError: 0.05, updateException: 0 },
  errors10: { httpTraceback: 0.3, timeout: 0.1, modelError: 0.175, updateException: 0.325 },
};

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TITLES = [
  'Alien',
  'The Thing',
  'Amélie',
  'Se7en',
  'Léon: The Professional',
  'Heat',
  'Ran',
  'M*A*S*H',
  'WALL·E',
];
const THREADS = ['7f6f4ebd0700', '7f6f4e3cf700', '7f6f4dbce700', '7f6f4d3cd700', '-490f4450'];

export function generatePlexLog(
  path: string,
  targetBytes: number,
  profile: ErrorProfile = 'errors2',
  seed = 42,
): GeneratedCounts {
  const odds = ERROR_PROFILES[profile];
  const random = rng(seed);
  const counts: GeneratedCounts = {
    bytes: 0,
    lines: 0,
    searchOps: 0,
    updateOps: 0,
    urlErrors: 0,
    modelErrors: 0,
    exceptions: 0,
    errorRecords: 0,
    errorsWithTraceback: 0,
  };
  const fd = openSync(path, 'w');
  let time = new Date(2026, 0, 1, 0, 0, 0).getTime();
  let block: string[] = [];
  let blockChars = 0;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = () => {
    const d = new Date(time);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
  };
  const emit = (text: string) => {
    block.push(text);
    blockChars += text.length + 1;
    counts.lines += 1;
  };
  const record = (thread: string, level: string, source: string, message: string) => {
    time += 1 + Math.floor(random() * 40);
    if (level === 'ERROR' || level === 'CRITICAL') counts.errorRecords += 1;
    emit(`${stamp()} (${thread}) :  ${level} (${source}) - ${message}`);
  };
  const flush = () => {
    const buffer = Buffer.from(`${block.join('\n')}\n`, 'utf8');
    writeSync(fd, buffer);
    counts.bytes += buffer.length;
    block = [];
    blockChars = 0;
  };
  let item = 1000;
  while (counts.bytes + blockChars < targetBytes) {
    const thread = THREADS[Math.floor(random() * THREADS.length)] ?? '7f';
    item += 1;
    const title = TITLES[item % TITLES.length] ?? 'x';
    if (random() < 0.6) {
      record(
        thread,
        'DEBUG',
        'runtime:717',
        'Handling request GET /:/plugins/com.plexapp.agents.simdb/messaging/function/X0FnZW50S2l0OlNlYXJjaA__/Y2VyZWFsMQ__',
      );
      record(
        thread,
        'INFO',
        'agentkit:961',
        `Searching for matches for {'id': '${item}', 'name': '${title}', 'year': '${1970 + (item % 50)}', 'lang': 'en'}`,
      );
      counts.searchOps += 1;
      const url = `http://api.simdb.example/v2/search?q=${encodeURIComponent(title)}&page=1`;
      const roll = random();
      if (roll < 0.5) record(thread, 'DEBUG', 'networking:143', `Requesting '${url}'`);
      else record(thread, 'DEBUG', 'networking:139', `Fetching '${url}' from the HTTP cache`);
      if (roll < odds.httpTraceback) {
        const status = roll < odds.httpTraceback / 2 ? '404: Not Found' : '429: Too Many Requests';
        record(thread, 'ERROR', 'networking:196', `Error opening URL '${url}'`);
        record(
          thread,
          'CRITICAL',
          'agentkit:1018',
          `Exception in the search function of agent named 'SimDB', called with keyword arguments {'id': '${item}', 'name': '${title}'} (most recent call last):`,
        );
        emit(
          '  File "/usr/lib/plexmediaserver/Resources/Plug-ins-1/Framework.bundle/Contents/Resources/Versions/2/Python/Framework/api/agentkit.py", line 1016, in _search',
        );
        emit('    agent.search(*args, **kwargs)');
        emit(
          '  File "/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Plug-ins/SimDB.bundle/Contents/Code/__init__.py", line 88, in search',
        );
        emit('    results = JSON.ObjectFromURL(url)');
        emit(`HTTPError: HTTP Error ${status}`);
        counts.urlErrors += 1;
        counts.exceptions += 1;
        counts.errorsWithTraceback += 1;
      } else if (roll < odds.httpTraceback + odds.timeout) {
        record(thread, 'ERROR', 'sandbox:19', `Search failed for '${title}': <urlopen error timed out>`);
        counts.urlErrors += 1;
      } else {
        for (let i = 0; i < 3; i += 1)
          record(
            thread,
            'DEBUG',
            'sandbox:19',
            `Candidate '${title}' (${1970 + i}) scored ${Math.floor(random() * 100)}`,
          );
        record(thread, 'DEBUG', 'runtime:924', 'Response: [200] MediaContainer, 1033 bytes');
      }
    } else {
      const guid = `com.plexapp.agents.simdb://${item}?lang=en`;
      record(
        thread,
        'DEBUG',
        'runtime:717',
        'Handling request GET /:/plugins/com.plexapp.agents.simdb/messaging/function/X0FnZW50S2l0OlVwZGF0ZU1ldGFkYXRh/Y2VyZWFsMQ__',
      );
      counts.updateOps += 1;
      record(thread, 'DEBUG', 'model:32', `Loading model with GUID ${guid}`);
      const bundle = `/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Metadata/Movies/${item % 10}/${item.toString(16).padStart(40, '0')}.bundle/Contents/com.plexapp.agents.simdb`;
      if (odds.updateException > 0 && random() < odds.updateException) {
        record(
          thread,
          'CRITICAL',
          'agentkit:1078',
          `Exception in the update function of agent named 'SimDB', called with guid '${guid}' (most recent call last):`,
        );
        emit(
          '  File "/usr/lib/plexmediaserver/Resources/Plug-ins-1/Framework.bundle/Contents/Resources/Versions/2/Python/Framework/api/agentkit.py", line 1076, in _update',
        );
        emit('    agent.update(*args, **kwargs)');
        emit(
          '  File "/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Plug-ins/SimDB.bundle/Contents/Code/__init__.py", line 142, in update',
        );
        emit("    metadata.title = data['title']");
        emit("KeyError: 'title'");
        counts.exceptions += 1;
        counts.errorsWithTraceback += 1;
      }
      if (random() < odds.modelError) {
        record(thread, 'ERROR', 'model:205', `Cannot read model from ${bundle}`);
        counts.modelErrors += 1;
      } else record(thread, 'DEBUG', 'model:234', `Deserializing from ${bundle}/Info.xml`);
      record(
        thread,
        'DEBUG',
        'networking:143',
        `Requesting 'http://127.0.0.1:32400/library/metadata/${item}/tree'`,
      );
      record(thread, 'DEBUG', 'model:229', `Serializing to ${bundle}/Info.xml`);
      record(thread, 'DEBUG', 'runtime:924', 'Response: [200] str, 16 bytes');
    }
    if (blockChars > 1 << 22) flush();
  }
  flush();
  closeSync(fd);
  return counts;
}

if (process.argv[1]?.endsWith('generate-plex-log.ts')) {
  const out = process.argv[2] ?? '/tmp/ratchet-bench-plex.log';
  const mib = Number(process.argv[3] ?? 1024);
  const profile = (process.argv[4] ?? 'errors2') as ErrorProfile;
  console.log(JSON.stringify(generatePlexLog(out, mib * 1024 * 1024, profile)));
}
