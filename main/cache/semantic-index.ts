/**
 * In-memory vectors for the semantic cache, grouped by context key: a lookup
 * scans only the entries whose everything-but-the-last-user-message is
 * identical to the request's, so the scan is a dot product over one packed
 * Float32Array. Vectors are stored unit length, so the dot product is the
 * cosine similarity; rows that cannot reach the threshold are left early
 * (see search). The scan is bounded: a group keeps at most
 * `maxPerContext` vectors (the oldest go first).
 */

export interface SemanticMatch {
  readonly id: number;
  readonly similarity: number;
}

interface Group {
  dims: number;
  /** Where the scan checks whether a row can still reach the threshold (multiples of 4; 0 = no check). */
  cuts: readonly [number, number];
  ids: number[];
  vectors: Float32Array;
  /** Per row: the norm of the vector from cuts[0] on, and from cuts[1] on. */
  tails: Float32Array;
}

/** Float32 rounding in the partial sums stays far below this; it keeps the pruning from dropping a true match. */
const BOUND_SLACK = 1e-4;

function cutsFor(dims: number): [number, number] {
  if (dims < 32) return [0, 0];
  return [Math.floor(dims / 16) * 4, Math.floor(dims / 8) * 4];
}

function tailNorm(vector: Float32Array, from: number, to: number, offset = 0): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += vector[offset + i]! * vector[offset + i]!;
  return Math.sqrt(sum);
}

/** The dot product of row `offset` with `query` over [from, to), with four running sums the CPU can overlap. */
function partialDot(vectors: Float32Array, offset: number, query: Float32Array, from: number, to: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = from;
  const whole = from + ((to - from) & ~3);
  for (; i < whole; i += 4) {
    a += vectors[offset + i]! * query[i]!;
    b += vectors[offset + i + 1]! * query[i + 1]!;
    c += vectors[offset + i + 2]! * query[i + 2]!;
    d += vectors[offset + i + 3]! * query[i + 3]!;
  }
  for (; i < to; i++) a += vectors[offset + i]! * query[i]!;
  return a + b + c + d;
}

export interface SemanticIndexOptions {
  /** Bound on the vectors scanned per lookup; default 50,000. */
  readonly maxPerContext?: number;
}

/** The vector scaled to unit length, as float32; undefined for a zero or non-finite vector. */
export function unitVector(values: ArrayLike<number>): Float32Array | undefined {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) return undefined;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / norm;
  return out;
}

export class SemanticIndex {
  private readonly groups = new Map<string, Group>();
  /** id → context key, for removal. */
  private readonly where = new Map<number, string>();
  private readonly maxPerContext: number;

  constructor(options: SemanticIndexOptions = {}) {
    this.maxPerContext = options.maxPerContext ?? 50_000;
  }

  get size(): number {
    return this.where.size;
  }

  hasContext(contextKey: string): boolean {
    return this.groups.has(contextKey);
  }

  /** Adds a unit vector; answers the ids pushed out of a full group (the caller deletes those entries). */
  add(contextKey: string, id: number, vector: Float32Array): number[] {
    if (this.where.has(id)) this.remove(id);
    let group = this.groups.get(contextKey);
    if (group !== undefined && group.dims !== vector.length) {
      // A different embedding model: the old vectors cannot be compared with the new ones.
      for (const old of group.ids) this.where.delete(old);
      this.groups.delete(contextKey);
      group = undefined;
    }
    if (group === undefined) {
      group = { dims: vector.length, cuts: cutsFor(vector.length), ids: [], vectors: new Float32Array(vector.length * 4), tails: new Float32Array(8) };
      this.groups.set(contextKey, group);
    }
    const dropped: number[] = [];
    while (group.ids.length >= this.maxPerContext) {
      const oldest = group.ids[0]!;
      this.remove(oldest);
      dropped.push(oldest);
    }
    const slot = group.ids.length;
    if ((slot + 1) * group.dims > group.vectors.length) {
      const grown = new Float32Array(Math.max(group.vectors.length * 2, (slot + 1) * group.dims));
      grown.set(group.vectors);
      group.vectors = grown;
    }
    if ((slot + 1) * 2 > group.tails.length) {
      const grown = new Float32Array(group.tails.length * 2);
      grown.set(group.tails);
      group.tails = grown;
    }
    group.vectors.set(vector, slot * group.dims);
    group.tails[slot * 2] = tailNorm(vector, group.cuts[0], group.dims);
    group.tails[slot * 2 + 1] = tailNorm(vector, group.cuts[1], group.dims);
    group.ids.push(id);
    this.where.set(id, contextKey);
    return dropped;
  }

  remove(id: number): void {
    const contextKey = this.where.get(id);
    if (contextKey === undefined) return;
    this.where.delete(id);
    const group = this.groups.get(contextKey)!;
    const slot = group.ids.indexOf(id);
    const last = group.ids.length - 1;
    // Keep insertion order (oldest first) so the bound drops the oldest: shift the tail down one slot.
    group.vectors.copyWithin(slot * group.dims, (slot + 1) * group.dims, (last + 1) * group.dims);
    group.tails.copyWithin(slot * 2, (slot + 1) * 2, (last + 1) * 2);
    group.ids.splice(slot, 1);
    if (group.ids.length === 0) this.groups.delete(contextKey);
  }

  clear(): void {
    this.groups.clear();
    this.where.clear();
  }

  /**
   * Entries of the context at or above the threshold, most similar first.
   * Exact, with early exits: after a quarter and after half of the
   * dimensions, a row whose partial dot product plus the largest the rest
   * could add (the product of the two tails' norms, Cauchy–Schwarz) stays
   * below the threshold is dropped without reading the rest of it.
   */
  search(contextKey: string, vector: Float32Array, threshold: number): SemanticMatch[] {
    const group = this.groups.get(contextKey);
    if (group === undefined || group.dims !== vector.length) return [];
    const { dims, ids, vectors, tails } = group;
    const [cut1, cut2] = group.cuts;
    const queryTail1 = tailNorm(vector, cut1, dims);
    const queryTail2 = tailNorm(vector, cut2, dims);
    const floor = threshold - BOUND_SLACK;
    const matches: SemanticMatch[] = [];
    for (let row = 0, offset = 0; row < ids.length; row++, offset += dims) {
      let dot = partialDot(vectors, offset, vector, 0, cut1);
      if (cut1 > 0 && dot + tails[row * 2]! * queryTail1 < floor) continue;
      dot += partialDot(vectors, offset, vector, cut1, cut2);
      if (cut2 > 0 && dot + tails[row * 2 + 1]! * queryTail2 < floor) continue;
      dot += partialDot(vectors, offset, vector, cut2, dims);
      if (dot >= threshold) matches.push({ id: ids[row]!, similarity: Math.min(1, dot) });
    }
    return matches.sort((a, b) => b.similarity - a.similarity);
  }
}
