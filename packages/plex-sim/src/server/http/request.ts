import type { IncomingMessage } from 'node:http';
import { HttpProblem } from './http-problem.js';

export function hasToken(request: IncomingMessage, url: URL, token: string): boolean {
  const header = request.headers['x-plex-token'];
  const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('X-Plex-Token');
  return given === token;
}

/** Paging values come as headers (python-plexapi) or query parameters (the spec); both work. */
export function pagingValue(request: IncomingMessage, url: URL, name: string): number | undefined {
  const header = request.headers[name.toLowerCase()];
  const raw = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get(name) ?? undefined;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpProblem(400, `${name} must be a non-negative integer`);
  return Number(raw);
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 65_536) throw new HttpProblem(413, 'The body is larger than 64 KiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
