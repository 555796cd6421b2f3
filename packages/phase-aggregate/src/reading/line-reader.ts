import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

/** Past this many characters a line is cut and the rest of it skipped (and counted). */
export const DEFAULT_MAX_LINE_CHARS = 64 * 1024;

export interface ReadStats {
  bytes: number;
  lines: number;
  truncatedLines: number;
  /** Lines that held NUL bytes (the NULs are removed). */
  linesWithNul: number;
  /** Invalid UTF-8 sequences, each replaced by U+FFFD. */
  invalidUtf8: number;
  gzip: boolean;
}

export interface ReadProblem {
  file: string;
  kind: 'unreadable' | 'truncated-gzip' | 'read-error' | 'line-truncated' | 'nul-bytes' | 'invalid-utf8';
  message: string;
}

export interface ReadLinesOptions {
  maxLineChars?: number;
  signal?: AbortSignal;
  /**
   * Called instead of `onLine` for a clean line that lies whole inside a decoded chunk, as
   * `text.slice(start, end)` without making that string. Return false to have `onLine` called
   * with the line after all. Lets a consumer skip lines without allocating them.
   */
  onLineAt?: (text: string, start: number, end: number) => boolean;
  /**
   * The byte-level fast path: called for every line of a clean region (no NUL byte, valid UTF-8,
   * at most `maxLineChars` bytes, the `\r` of CRLF excluded) as `bytes[start, end)`, before any
   * string is made. Return false to have the line decoded and given to `onLine`. Regions that are
   * not clean go through the string path, so the lines delivered are the same either way.
   * `bytes` is reused for the next chunk once `afterChunk` returns: copy what must outlive it.
   */
  onLineBytes?: (bytes: Buffer, start: number, end: number) => boolean;
  /** Read chunk size in bytes (default 64 KiB; 256 KiB with `onLineBytes`). */
  chunkBytes?: number;
  /**
   * Called (and awaited) after the lines of each chunk were delivered, before its buffer is reused:
   * a consumer that kept positions in `onLineBytes`' bytes copies what it needs here.
   */
  afterChunk?: () => void | Promise<void>;
}

const REPLACEMENT_CHAR_BYTES = Buffer.from('\uFFFD', 'utf8');

async function looksGzipped(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The chunks of a plain file, read into two buffers that take turns: a fresh buffer per read (what
 * a read stream does) costs more in page faults than the whole parse, and while one chunk is being
 * parsed the next is already being read. A chunk is valid until the next one is asked for.
 */
async function* readChunks(
  file: string,
  chunkBytes: number,
  onRead: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)] as const;
  let turn = 0;
  const readInto = (buffer: Buffer): Promise<{ bytesRead: number }> => {
    const pending = handle.read(buffer, 0, chunkBytes, null);
    // Marked as handled now: a read ahead can fail while the consumer is still busy with the
    // previous chunk, and the error is rethrown where the read is awaited.
    pending.catch(() => undefined);
    return pending;
  };
  let reading: Promise<{ bytesRead: number }> | undefined = readInto(buffers[0]);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      reading = undefined;
      if (bytesRead === 0) return;
      const chunk = (turn === 0 ? buffers[0] : buffers[1]).subarray(0, bytesRead);
      turn ^= 1;
      reading = readInto(turn === 0 ? buffers[0] : buffers[1]);
      onRead(bytesRead);
      yield chunk;
    }
  } finally {
    // A read still in flight (the consumer stopped early) must end before the file is closed.
    await reading?.catch(() => undefined);
    await handle.close();
  }
}

function countOccurrences(text: string, char: string): number {
  let count = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) count += 1;
  return count;
}

/**
 * Streams a file (plain or gzip) line by line into `onLine`, with memory bounded by the chunk size
 * and `maxLineChars`, whatever the file holds. Never throws for a bad file: what went wrong is
 * returned as problems, and the lines read before it were delivered.
 */
export async function readLines(
  file: string,
  onLine: (line: string) => void,
  options: ReadLinesOptions = {},
): Promise<{ stats: ReadStats; problems: ReadProblem[] }> {
  const maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  const onLineAt = options.onLineAt;
  const stats: ReadStats = {
    bytes: 0,
    lines: 0,
    truncatedLines: 0,
    linesWithNul: 0,
    invalidUtf8: 0,
    gzip: false,
  };
  const problems: ReadProblem[] = [];

  try {
    stats.gzip = await looksGzipped(file);
  } catch (error) {
    problems.push({ file, kind: 'unreadable', message: `cannot open ${file}: ${(error as Error).message}` });
    return { stats, problems };
  }

  // StringDecoder keeps a multi-byte sequence cut by a chunk boundary for the next chunk and
  // replaces invalid sequences with U+FFFD; it decodes through the fast native path.
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let skippingRestOfLine = false;
  let decoderIdle = true;
  let nulPossible = false;

  const deliver = (raw: string): void => {
    let line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (nulPossible && line.includes('\0')) {
      stats.linesWithNul += 1;
      line = line.replaceAll('\0', '');
    }
    stats.lines += 1;
    onLine(line);
  };

  const consume = (text: string): void => {
    if (text.includes('\uFFFD')) stats.invalidUtf8 += countOccurrences(text, '\uFFFD');
    if (!nulPossible && text.includes('\0')) nulPossible = true;
    let start = 0;
    const length = text.length;
    while (start < length) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) {
        if (!skippingRestOfLine) {
          carry += text.slice(start);
          if (carry.length > maxLineChars) {
            stats.truncatedLines += 1;
            deliver(carry.slice(0, maxLineChars));
            carry = '';
            skippingRestOfLine = true;
          }
        }
        return;
      }
      if (skippingRestOfLine) {
        skippingRestOfLine = false;
      } else if (
        onLineAt !== undefined &&
        carry.length === 0 &&
        !nulPossible &&
        newline - start <= maxLineChars &&
        onLineAt(text, start, text.charCodeAt(newline - 1) === 13 && newline > start ? newline - 1 : newline)
      ) {
        stats.lines += 1;
      } else {
        let line = carry.length > 0 ? carry + text.slice(start, newline) : text.slice(start, newline);
        carry = '';
        if (line.length > maxLineChars) {
          stats.truncatedLines += 1;
          line = line.slice(0, maxLineChars);
        }
        deliver(line);
      }
      start = newline + 1;
    }
  };

  // The string path: decodes bytes (keeping a multi-byte sequence cut by a chunk boundary for the
  // next call) and splits the text into lines.
  const decodeAndConsume = (buffer: Buffer): void => {
    // Plain ASCII decodes several times faster than UTF-8; only safe when no multi-byte
    // sequence is pending from the previous chunk.
    if (decoderIdle && isAscii(buffer)) consume(buffer.toString('ascii'));
    else {
      consume(decoder.write(buffer));
      decoderIdle = buffer.length === 0 || (buffer[buffer.length - 1] ?? 0) < 0x80;
    }
  };

  // The byte path. A region of whole lines that is clean is split with indexOf and each line is
  // offered to onLineBytes; any other region goes through the string path, which is left idle
  // (no carry, no pending byte) at every newline, so the two paths can take turns.
  const onLineBytes = options.onLineBytes;
  let pendingBytes: Buffer | undefined;
  let inStringLine = false;

  /** The line `bytes[start, newline)`, as the string path would deliver it. */
  const deliverBytes = (bytes: Buffer, start: number, newline: number): void => {
    if (newline - start <= maxLineChars) {
      const end = newline > start && bytes[newline - 1] === 13 ? newline - 1 : newline;
      if (onLineBytes?.(bytes, start, end)) {
        stats.lines += 1;
        return;
      }
    }
    let line = bytes.toString('utf8', start, newline);
    if (line.length > maxLineChars) {
      stats.truncatedLines += 1;
      line = line.slice(0, maxLineChars);
    }
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    stats.lines += 1;
    onLine(line);
  };

  const scanLines = (bytes: Buffer, from: number, to: number): void => {
    let start = from;
    while (start < to) {
      const newline = bytes.indexOf(10, start);
      deliverBytes(bytes, start, newline);
      start = newline + 1;
    }
  };

  const isClean = (region: Buffer): boolean => {
    if (region.indexOf(0) !== -1) return false;
    if (isAscii(region)) return true;
    if (!isUtf8(region)) return false;
    // The string path counts every U+FFFD it sees: count literal ones the same way.
    for (
      let at = region.indexOf(REPLACEMENT_CHAR_BYTES);
      at !== -1;
      at = region.indexOf(REPLACEMENT_CHAR_BYTES, at + 3)
    )
      stats.invalidUtf8 += 1;
    return true;
  };

  const keepPartialLine = (rest: Buffer): void => {
    if (rest.length === 0) return;
    if (rest.length > maxLineChars) {
      // Too long to hold as bytes: the string path cuts it at the cap and skips the rest.
      decodeAndConsume(rest);
      inStringLine = true;
    } else pendingBytes = Buffer.from(rest);
  };

  const consumeBytes = (chunk: Buffer): void => {
    let from = 0;
    if (inStringLine || pendingBytes !== undefined) {
      const newline = chunk.indexOf(10);
      if (newline === -1) {
        if (inStringLine) decodeAndConsume(chunk);
        else {
          const joined = Buffer.concat([pendingBytes as Buffer, chunk]);
          pendingBytes = undefined;
          keepPartialLine(joined);
        }
        return;
      }
      if (inStringLine) {
        decodeAndConsume(chunk.subarray(0, newline + 1));
        inStringLine = false;
      } else {
        const line = Buffer.concat([pendingBytes as Buffer, chunk.subarray(0, newline + 1)]);
        pendingBytes = undefined;
        if (isClean(line)) scanLines(line, 0, line.length);
        else decodeAndConsume(line);
      }
      from = newline + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last < from) {
      keepPartialLine(chunk.subarray(from));
      return;
    }
    const region = chunk.subarray(from, last + 1);
    if (isClean(region)) scanLines(chunk, from, last + 1);
    else decodeAndConsume(region);
    keepPartialLine(chunk.subarray(last + 1));
  };

  const chunkBytes = options.chunkBytes ?? (onLineBytes ? 1 << 18 : 1 << 16);
  // 64 KiB chunks on the string path: their strings stay in the young generation, where collecting
  // them is cheap. The byte path makes few strings and prefers fewer, larger reads.
  let source: AsyncIterable<Buffer>;
  let closeSource: () => void = () => {};
  if (stats.gzip) {
    const raw = createReadStream(file, { highWaterMark: chunkBytes });
    const gunzip = createGunzip();
    raw.on('error', (error) => gunzip.destroy(error));
    raw.on('data', (chunk) => {
      stats.bytes += (chunk as Buffer).length;
    });
    source = raw.pipe(gunzip);
    closeSource = () => {
      raw.destroy();
      gunzip.destroy();
    };
  } else {
    source = readChunks(file, chunkBytes, (bytes) => {
      stats.bytes += bytes;
    });
  }

  try {
    for await (const chunk of source) {
      if (options.signal?.aborted) {
        closeSource();
        break;
      }
      const buffer = chunk as Buffer;
      if (onLineBytes) consumeBytes(buffer);
      else decodeAndConsume(buffer);
      if (options.afterChunk) await options.afterChunk();
    }
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (stats.gzip && (err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message))) {
      problems.push({
        file,
        kind: 'truncated-gzip',
        message: `${file}: the gzip stream ends early (truncated archive); the lines before the cut were read`,
      });
    } else if (err.code === 'EISDIR' || err.code === 'EACCES' || err.code === 'ENOENT') {
      problems.push({ file, kind: 'unreadable', message: `cannot read ${file}: ${err.message}` });
    } else {
      problems.push({ file, kind: 'read-error', message: `error while reading ${file}: ${err.message}` });
    }
  }
  if (pendingBytes !== undefined) {
    // The last line has no newline: deliver it as the string path would.
    const last = pendingBytes;
    pendingBytes = undefined;
    decodeAndConsume(last);
  }
  const tail = decoder.end();
  if (tail.length > 0) consume(tail);
  if (carry.length > 0 && !skippingRestOfLine) deliver(carry);

  if (stats.truncatedLines > 0) {
    problems.push({
      file,
      kind: 'line-truncated',
      message: `${file}: ${stats.truncatedLines} line(s) longer than ${maxLineChars} characters were cut`,
    });
  }
  if (stats.linesWithNul > 0) {
    problems.push({
      file,
      kind: 'nul-bytes',
      message: `${file}: ${stats.linesWithNul} line(s) held NUL bytes (removed)`,
    });
  }
  if (stats.invalidUtf8 > 0) {
    problems.push({
      file,
      kind: 'invalid-utf8',
      message: `${file}: ${stats.invalidUtf8} invalid UTF-8 sequence(s) replaced by U+FFFD`,
    });
  }
  return { stats, problems };
}
