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

  it('the early exits never drop a match: same results as a plain full dot product', () => {
    let state = 12345;
    const next = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    for (const dims of [30, 64, 384]) {
      const index = new SemanticIndex();
      const rows: Float32Array[] = [];
      const query = unitVector(Array.from({ length: dims }, next))!;
      for (let id = 0; id < 400; id++) {
        // A quarter of the rows lie near the query at different distances, the rest anywhere.
        const spread = id % 4 === 0 ? (id / 400) * 0.8 : 5;
        const row = unitVector(Array.from(query, (q) => q + next() * spread))!;
        rows.push(row);
        index.add('ctx', id, row);
      }
      for (const threshold of [-1, 0, 0.3, 0.6, 0.9, 0.95, 0.99]) {
        const expected = rows
          .map((row, id) => ({ id, similarity: row.reduce((sum, v, i) => sum + v * query[i]!, 0) }))
          .filter((m) => m.similarity >= threshold)
          .map((m) => m.id)
          .sort((a, b) => a - b);
        const found = index.search('ctx', query, threshold).map((m) => m.id).sort((a, b) => a - b);
        expect(found, `dims ${dims}, threshold ${threshold}`).toEqual(expected);
      }
    }
  });
});
