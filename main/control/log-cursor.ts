/**
 * Where a reader of a runtime's log got to, as an SSE event id, so a stream
 * that reconnects (the browser sends `Last-Event-ID`) gets only the lines it
 * has not seen instead of the whole buffer again.
 *
 * Log lines carry a millisecond time and no sequence number, and several
 * lines can share one millisecond, so the cursor is `<at>.<n>`: the time of
 * the last line read and how many lines with that time were read.
 */
import type { LogLine } from '../runtimes/types.js';

export interface LogCursor {
  readonly at: number;
  readonly count: number;
}

/** The cursor after reading `lines` (the whole buffer as it is now); null for an empty buffer. */
export function cursorAfter(lines: readonly LogLine[]): string | null {
  const last = lines.at(-1);
  if (last === undefined) return null;
  let count = 0;
  for (let i = lines.length - 1; i >= 0 && lines[i]!.at === last.at; i--) count++;
  return `${last.at}.${count}`;
}

/** A cursor from a `Last-Event-ID` header or a `since` parameter; null when absent or not one. */
export function parseCursor(text: unknown): LogCursor | null {
  if (typeof text !== 'string') return null;
  const match = /^(\d{1,15})\.(\d{1,9})$/.exec(text.trim());
  return match ? { at: Number(match[1]), count: Number(match[2]) } : null;
}

/** The lines after `cursor`: later times, and at the cursor's own time those past the count already read. */
export function linesAfterCursor(lines: readonly LogLine[], cursor: LogCursor): readonly LogLine[] {
  let seenAtCursor = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.at < cursor.at) continue;
    if (line.at === cursor.at && seenAtCursor < cursor.count) {
      seenAtCursor++;
      continue;
    }
    return lines.slice(i);
  }
  return [];
}
