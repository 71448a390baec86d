import { describe, expect, it } from 'vitest';
import type { Token } from 'node-llama-cpp';
import { IncrementalDetokenizer, type DetokenizeFn } from '../../../main/runtimes/embedded/incremental-detokenizer.js';

/**
 * A byte-level fake vocabulary: each token is some UTF-8 bytes; text is decoded
 * like llama.cpp does (invalid/incomplete sequences become U+FFFD). Token 0 is
 * "▁word"-style: a leading space that is dropped at the start of a text.
 */
const VOCAB: Record<number, Buffer> = {
  0: Buffer.from(' Once'),
  1: Buffer.from('h'),
  2: Buffer.from([0xc3]), // first byte of "é"
  3: Buffer.from([0xa9]), // second byte of "é"
  4: Buffer.from([0xf0, 0x9f]), // first half of "😀"
  5: Buffer.from([0x98, 0x80]), // second half of "😀"
  6: Buffer.from([0xff]), // never valid
};

const decode = (tokens: readonly Token[]): string => {
  const text = Buffer.concat(tokens.map((token) => VOCAB[token]!)).toString('utf8');
  return text.startsWith(' ') ? text.slice(1) : text;
};

const detokenize: DetokenizeFn = (tokens, lastTokens) => {
  if (lastTokens.length === 0) return decode(tokens);
  const before = decode(lastTokens);
  const all = decode([...lastTokens, ...tokens]);
  return all.startsWith(before) ? all.slice(before.length) : decode(tokens);
};

const t = (...ids: number[]): Token[] => ids as Token[];

describe('IncrementalDetokenizer', () => {
  it('keeps the leading space that the preceding tokens imply', () => {
    const withContext = new IncrementalDetokenizer({ detokenize, precedingTokens: t(1) });
    expect(withContext.push(0 as Token)).toBe(' Once');
    const atStart = new IncrementalDetokenizer({ detokenize, precedingTokens: [] });
    expect(atStart.push(0 as Token)).toBe('Once');
  });

  it('holds a character split across tokens until it is complete', () => {
    const detokenizer = new IncrementalDetokenizer({ detokenize, precedingTokens: t(1) });
    expect(detokenizer.push(2 as Token)).toBe('');
    expect(detokenizer.push(3 as Token)).toBe('é');
    expect(detokenizer.push(4 as Token)).toBe('');
    expect(detokenizer.push(5 as Token)).toBe('😀');
    expect(detokenizer.push(1 as Token)).toBe('h');
  });

  it('gives up holding after a few tokens of invalid bytes, and flush() releases the rest', () => {
    const detokenizer = new IncrementalDetokenizer({ detokenize, precedingTokens: t(1) });
    const out = [6, 6, 6, 6].map((id) => detokenizer.push(id as Token));
    expect(out.slice(0, 3)).toEqual(['', '', '']);
    expect(out[3]).toBe('\uFFFD'.repeat(4));
    expect(detokenizer.push(2 as Token)).toBe('');
    expect(detokenizer.flush()).toBe('\uFFFD');
    expect(detokenizer.flush()).toBe('');
  });
});
