import { StringDecoder } from 'node:string_decoder';

export interface BoundedLinesOptions {
  /** Longer lines are cut to this many characters before they reach onLine (the rest is counted). */
  maxLineLength: number;
  /** How many characters of the most recent lines to keep for error messages. */
  tailChars: number;
  onLine(line: string): void;
}

/**
 * Splits a byte stream into lines without ever holding more than one (capped) line plus a bounded
 * tail in memory: a subprocess may write gigabytes to stderr, with or without newlines.
 */
export class BoundedLines {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private partialDropped = 0;
  private tail: string[] = [];
  private tailHead = 0;
  private tailLength = 0;
  private totalBytes = 0;
  private totalLines = 0;

  constructor(private readonly options: BoundedLinesOptions) {}

  get bytes(): number {
    return this.totalBytes;
  }

  get lines(): number {
    return this.totalLines;
  }

  write(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    const text = this.decoder.write(chunk);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      this.append(text.slice(start, newline));
      this.emit();
      start = newline + 1;
    }
    this.append(text.slice(start));
  }

  end(): void {
    this.append(this.decoder.end());
    if (this.partial !== '' || this.partialDropped > 0) this.emit();
  }

  /** The last lines seen, oldest first, at most `tailChars` characters in all. */
  tailText(): string {
    return this.tail.slice(this.tailHead).join('\n');
  }

  private append(text: string): void {
    const room = this.options.maxLineLength - this.partial.length;
    if (text.length <= room) {
      this.partial += text;
    } else {
      this.partial += text.slice(0, Math.max(0, room));
      this.partialDropped += text.length - Math.max(0, room);
    }
  }

  private emit(): void {
    let line = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    if (this.partialDropped > 0) line += ` [... ${this.partialDropped} more characters]`;
    this.partial = '';
    this.partialDropped = 0;
    this.totalLines++;
    this.options.onLine(line);
    this.remember(line);
  }

  private remember(line: string): void {
    const kept = line.length > this.options.tailChars ? line.slice(-this.options.tailChars) : line;
    this.tail.push(kept);
    this.tailLength += kept.length + 1;
    while (this.tailLength > this.options.tailChars + 1 && this.tail.length - this.tailHead > 1) {
      this.tailLength -= (this.tail[this.tailHead] as string).length + 1;
      this.tailHead++;
    }
    if (this.tailHead > 1024 && this.tailHead * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.tailHead);
      this.tailHead = 0;
    }
  }
}
