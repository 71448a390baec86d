import { describe, expect, it } from 'vitest';
import { SemanticIndex, unitVector } from '../../main/cache/semantic-index.js';

const v = (...values: number[]) => unitVector(values)!;

describe('semantic index', () => {
  it('finds cosine similarities within one context only, most similar first (dims not a multiple of 4)', () => {
    const index = new SemanticIndex();
    index.add('ctx', 1, v(1, 0, 0, 0, 0));
    index.add('ctx', 2, v(1, 1, 0, 0, 0));
    index.add('ctx', 3, v(0, 0, 0, 0, 1));
    index.add('other', 4, v(1, 0, 0, 0, 0));
    const matches = index.search('ctx', v(1, 0.1, 0, 0, 0), 0.5);
    expect(matches.map((m) => m.id)).toEqual([1, 2]);
    expect(matches[0]!.similarity).toBeCloseTo(1 / Math.sqrt(1.01), 6);
    expect(index.search('missing', v(1, 0, 0, 0, 0), 0)).toEqual([]);
  });

  it('removal keeps the other vectors findable', () => {
    const index = new SemanticIndex();
    for (let id = 0; id < 10; id++) index.add('ctx', id, v(...Array.from({ length: 10 }, (_, i) => (i === id ? 1 : 0))));
    index.remove(3);
    index.remove(0);
    for (let id = 0; id < 10; id++) {
      const probe = v(...Array.from({ length: 10 }, (_, i) => (i === id ? 1 : 0)));
      expect(index.search('ctx', probe, 0.99).map((m) => m.id)).toEqual(id === 3 || id === 0 ? [] : [id]);
    }
    expect(index.size).toBe(8);
  });

  it('a full context drops its oldest vector, and the caller learns which', () => {
    const index = new SemanticIndex({ maxPerContext: 2 });
    expect(index.add('ctx', 1, v(1, 0))).toEqual([]);
    expect(index.add('ctx', 2, v(0, 1))).toEqual([]);
    expect(index.add('ctx', 3, v(1, 1))).toEqual([1]);
    expect(index.search('ctx', v(1, 0), 0.99)).toEqual([]);
  });

  it('vectors of another size (a new embedding model) replace the context’s old ones', () => {
    const index = new SemanticIndex();
    index.add('ctx', 1, v(1, 0));
    index.add('ctx', 2, v(1, 0, 0));
    expect(index.size).toBe(1);
    expect(index.search('ctx', v(1, 0, 0), 0.9).map((m) => m.id)).toEqual([2]);
  });

  it('unitVector refuses zero and non-finite vectors', () => {
    expect(unitVector([0, 0])).toBeUndefined();
    expect(unitVector([Number.NaN, 1])).toBeUndefined();
    expect(Array.from(unitVector([3, 4])!)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });
});
