import { describe, expect, it } from 'vitest';
import { cursorAfter, linesAfterCursor, parseCursor } from '../../main/control/log-cursor.js';
import type { LogLine } from '../../main/runtimes/types.js';

const line = (at: number, text: string): LogLine => ({ at, stream: 'stdout', line: text });
const buffer = [line(100, 'a'), line(200, 'b'), line(200, 'c'), line(300, 'd')];

describe('log cursor', () => {
  it('names the last line read by its time and how many lines share that time', () => {
    expect(cursorAfter(buffer)).toBe('300.1');
    expect(cursorAfter(buffer.slice(0, 3))).toBe('200.2');
    expect(cursorAfter(buffer.slice(0, 2))).toBe('200.1');
    expect(cursorAfter([])).toBeNull();
  });

  it('gives back exactly the lines after the cursor, also inside one millisecond', () => {
    const texts = (cursor: string) => linesAfterCursor(buffer, parseCursor(cursor)!).map((l) => l.line);
    expect(texts('100.1')).toEqual(['b', 'c', 'd']);
    expect(texts('200.1')).toEqual(['c', 'd']);
    expect(texts('200.2')).toEqual(['d']);
    expect(texts('300.1')).toEqual([]);
    // A cursor older than the buffer (lines fell out of the ring) gets the whole buffer.
    expect(texts('50.3')).toEqual(['a', 'b', 'c', 'd']);
    // Each cursor the buffer makes resumes right after its own lines.
    for (let n = 1; n <= buffer.length; n++) expect(linesAfterCursor(buffer, parseCursor(cursorAfter(buffer.slice(0, n)))!)).toEqual(buffer.slice(n));
  });

  it('reads only well-formed cursors', () => {
    expect(parseCursor(' 1733450000123.4 ')).toEqual({ at: 1733450000123, count: 4 });
    for (const bad of [undefined, '', 'x', '12', '1.2.3', '-1.2', ['1.2']]) expect(parseCursor(bad)).toBeNull();
  });
});
