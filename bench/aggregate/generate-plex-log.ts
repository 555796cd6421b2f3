/**
 * Writes a plug-in log of a given size in the real framework format, with the mix a busy agent
 * produces: searches and updates on several threads, requests, cache hits, HTTP errors with
 * tracebacks, time-outs, model read errors and title-match scores. Deterministic (seeded).
 *
 *   node_modules/.bin/jiti bench/aggregate/generate-plex-log.ts OUT.log [MiB=1024]
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
}

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

export function generatePlexLog(path: string, targetBytes: number, seed = 42): GeneratedCounts {
  const random = rng(seed);
  const counts: GeneratedCounts = {
    bytes: 0,
    lines: 0,
    searchOps: 0,
    updateOps: 0,
    urlErrors: 0,
    modelErrors: 0,
    exceptions: 0,
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
      if (roll < 0.08) {
        const status = roll < 0.04 ? '404: Not Found' : '429: Too Many Requests';
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
      } else if (roll < 0.1) {
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
      if (random() < 0.05) {
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
  console.log(JSON.stringify(generatePlexLog(out, mib * 1024 * 1024)));
}
