import { describe, expect, it } from 'vitest';
import { LineSplitter, LogBuffer, truncateLine } from '../../../main/runtimes/process/log-buffer.js';

function split(chunks: Array<string | Buffer>, maxLineChars = 100): Array<[string, number]> {
  const lines: Array<[string, number]> = [];
  const splitter = new LineSplitter({ maxLineChars, onLine: (line, dropped) => lines.push([line, dropped]) });
  for (const chunk of chunks) splitter.write(chunk);
  splitter.end();
  return lines;
}

describe('LogBuffer', () => {
  it('keeps only the newest `capacity` lines, oldest first', () => {
    let clock = 0;
    const buffer = new LogBuffer({ capacity: 3, now: () => ++clock });
    for (const word of ['a', 'b', 'c', 'd', 'e']) buffer.push('stdout', word);
    expect(buffer.size).toBe(3);
    expect(buffer.lines().map((line) => line.line)).toEqual(['c', 'd', 'e']);
    expect(buffer.lines().map((line) => line.at)).toEqual([3, 4, 5]);
  });

  it('stays bounded over many wraps and tails correctly', () => {
    const buffer = new LogBuffer({ capacity: 4 });
    for (let i = 0; i < 1_003; i += 1) buffer.push(i % 2 === 0 ? 'stdout' : 'stderr', `line ${i}`);
    expect(buffer.lines().map((line) => line.line)).toEqual(['line 999', 'line 1000', 'line 1001', 'line 1002']);
    expect(buffer.tail(2).map((line) => line.line)).toEqual(['line 1001', 'line 1002']);
    expect(buffer.tail(10)).toHaveLength(4);
    expect(buffer.lines()[0]?.stream).toBe('stderr');
  });

  it('returns a copy that later pushes do not change', () => {
    const buffer = new LogBuffer({ capacity: 2 });
    buffer.push('supervisor', 'one');
    const before = buffer.lines();
    buffer.push('supervisor', 'two');
    buffer.push('supervisor', 'three');
    expect(before.map((line) => line.line)).toEqual(['one']);
  });

  it('truncates absurdly long lines with a marker', () => {
    const buffer = new LogBuffer({ capacity: 2, maxLineChars: 10 });
    buffer.push('stdout', 'x'.repeat(25));
    buffer.push('stdout', 'short');
    expect(buffer.lines().map((line) => line.line)).toEqual([`${'x'.repeat(10)} …[+15 chars]`, 'short']);
  });

  it('rejects a capacity below one', () => {
    expect(() => new LogBuffer({ capacity: 0 })).toThrow(RangeError);
  });
});

describe('truncateLine', () => {
  it('adds characters a splitter already dropped', () => {
    expect(truncateLine('abcdef', 4, 10)).toBe('abcd …[+12 chars]');
    expect(truncateLine('abc', 4)).toBe('abc');
  });
});

describe('LineSplitter', () => {
  it('joins partial lines across chunks and splits several lines in one chunk', () => {
    expect(split(['hel', 'lo\nwor', 'ld\nthree\nfour\n'])).toEqual([
      ['hello', 0],
      ['world', 0],
      ['three', 0],
      ['four', 0],
    ]);
  });

  it('treats \\r\\n as one line end and keeps empty lines', () => {
    expect(split(['a\r\n\r\nb\r', '\n'])).toEqual([
      ['a', 0],
      ['', 0],
      ['b', 0],
    ]);
  });

  it('flushes a final line without a newline on end()', () => {
    expect(split(['one\ntwo'])).toEqual([
      ['one', 0],
      ['two', 0],
    ]);
  });

  it('decodes UTF-8 characters split across chunks', () => {
    const bytes = Buffer.from('héllo → wörld\n', 'utf8');
    const chunks = Array.from(bytes, (byte) => Buffer.from([byte]));
    expect(split(chunks)).toEqual([['héllo → wörld', 0]]);
  });

  it('keeps only the start of an over-long line and counts the rest', () => {
    const lines = split(['a'.repeat(8), 'b'.repeat(8), 'c'.repeat(8), '\nnext\n'], 10);
    expect(lines).toEqual([
      ['aaaaaaaabb', 14],
      ['next', 0],
    ]);
  });
});
