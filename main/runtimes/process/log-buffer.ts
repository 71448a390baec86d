/**
 * Bounded log capture for supervised runtimes.
 *
 * - `LineSplitter` turns a byte stream (a child's stdout or stderr) into whole
 *   lines: chunks that end mid-line are joined with the next chunk, UTF-8
 *   sequences split across chunks are decoded correctly, and `\r\n` is
 *   treated as one line end. A line that never ends cannot grow memory
 *   without bound: only its first `maxLineChars` characters are kept.
 * - `LogBuffer` is a fixed-size ring of `LogLine`s: once full, each new line
 *   replaces the oldest one.
 */
import { StringDecoder } from 'node:string_decoder';
import type { LogLine } from '../types.js';

export const DEFAULT_LOG_LINES = 500;
export const DEFAULT_MAX_LINE_CHARS = 4096;

/**
 * Shorten a line longer than `maxChars`, saying how much was cut.
 * `alreadyDropped` counts characters removed earlier (by a LineSplitter).
 */
export function truncateLine(line: string, maxChars: number, alreadyDropped = 0): string {
  const cut = Math.max(0, line.length - maxChars) + alreadyDropped;
  if (cut === 0) return line;
  return `${line.slice(0, maxChars)} …[+${cut} chars]`;
}

export interface LogBufferOptions {
  /** How many lines to keep (the oldest are dropped first). */
  readonly capacity?: number;
  /** Longer lines are truncated with a marker. */
  readonly maxLineChars?: number;
  /** Timestamp source for `LogLine.at`. */
  readonly now?: () => number;
}

export class LogBuffer {
  readonly capacity: number;
  private readonly maxLineChars: number;
  private readonly now: () => number;
  private readonly ring: LogLine[] = [];
  /** Index of the oldest line once the ring is full. */
  private oldest = 0;

  constructor(options: LogBufferOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_LOG_LINES;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`log buffer capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.ring.length;
  }

  /** Add a line; `droppedChars` is how much a LineSplitter already cut from it. */
  push(stream: LogLine['stream'], line: string, droppedChars = 0): void {
    const entry: LogLine = { at: this.now(), stream, line: truncateLine(line, this.maxLineChars, droppedChars) };
    if (this.ring.length < this.capacity) {
      this.ring.push(entry);
      return;
    }
    this.ring[this.oldest] = entry;
    this.oldest = (this.oldest + 1) % this.capacity;
  }

  /** All kept lines, oldest first (a copy). */
  lines(): LogLine[] {
    return [...this.ring.slice(this.oldest), ...this.ring.slice(0, this.oldest)];
  }

  /** The newest `count` lines, oldest first. */
  tail(count: number): LogLine[] {
    const all = this.lines();
    return count >= all.length ? all : all.slice(all.length - count);
  }
}

export interface LineSplitterOptions {
  /**
   * Called once per complete line, without its line ending. `droppedChars` > 0
   * means the line was longer than maxLineChars and only its start is given.
   */
  readonly onLine: (line: string, droppedChars: number) => void;
  readonly maxLineChars?: number;
}

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private readonly onLine: (line: string, droppedChars: number) => void;
  private readonly maxLineChars: number;
  /** The unfinished line so far (at most maxLineChars characters). */
  private pending = '';
  /** Characters of the unfinished line dropped because it was too long. */
  private dropped = 0;

  constructor(options: LineSplitterOptions) {
    this.onLine = options.onLine;
    this.maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  }

  write(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      this.append(text.slice(start, newline));
      this.finishLine();
      start = newline + 1;
    }
    this.append(text.slice(start));
  }

  /** Flush a final line that had no line ending (call when the stream ends). */
  end(): void {
    this.append(this.decoder.end());
    if (this.pending.length > 0 || this.dropped > 0) this.finishLine();
  }

  private append(piece: string): void {
    const room = this.maxLineChars - this.pending.length;
    if (piece.length <= room) {
      this.pending += piece;
      return;
    }
    this.pending += piece.slice(0, Math.max(0, room));
    this.dropped += piece.length - Math.max(0, room);
  }

  private finishLine(): void {
    const line = this.pending.endsWith('\r') && this.dropped === 0 ? this.pending.slice(0, -1) : this.pending;
    const dropped = this.dropped;
    this.pending = '';
    this.dropped = 0;
    this.onLine(line, dropped);
  }
}
