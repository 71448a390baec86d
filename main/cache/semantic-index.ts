/**
 * In-memory vectors for the semantic cache, grouped by context key: a lookup
 * scans only the entries whose everything-but-the-last-user-message is
 * identical to the request's, so the scan is a dot product over packed
 * Float32Arrays (the first quarter of every row stored apart, so the first
 * pass reads a quarter of the memory). Vectors are stored unit length, so the dot product is the
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
  /** The first cuts[0] components of every row, back to back: the first pass streams through only these. */
  heads: Float32Array;
  /** The remaining components of every row. */
  rests: Float32Array;
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

/** The dot product of `length` components of `vectors` from `offset` with `query` from `from`, four running sums the CPU can overlap. */
function partialDot(vectors: Float32Array, offset: number, query: Float32Array, from: number, length: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let k = 0;
  const whole = length & ~3;
  for (; k < whole; k += 4) {
    a += vectors[offset + k]! * query[from + k]!;
    b += vectors[offset + k + 1]! * query[from + k + 1]!;
    c += vectors[offset + k + 2]! * query[from + k + 2]!;
    d += vectors[offset + k + 3]! * query[from + k + 3]!;
  }
  for (; k < length; k++) a += vectors[offset + k]! * query[from + k]!;
  return a + b + c + d;
}

/** `array`, or a copy at least twice as large when it cannot hold `needed` values. */
function room(array: Float32Array, needed: number): Float32Array {
  if (needed <= array.length) return array;
  const grown = new Float32Array(Math.max(array.length * 2, needed));
  grown.set(array);
  return grown;
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
      const cuts = cutsFor(vector.length);
      group = { dims: vector.length, cuts, ids: [], heads: new Float32Array(cuts[0] * 4), rests: new Float32Array((vector.length - cuts[0]) * 4), tails: new Float32Array(8) };
      this.groups.set(contextKey, group);
    }
    const dropped: number[] = [];
    while (group.ids.length >= this.maxPerContext) {
      const oldest = group.ids[0]!;
      this.remove(oldest);
      dropped.push(oldest);
    }
    const slot = group.ids.length;
    const head = group.cuts[0];
    const rest = group.dims - head;
    group.heads = room(group.heads, (slot + 1) * head);
    group.rests = room(group.rests, (slot + 1) * rest);
    group.tails = room(group.tails, (slot + 1) * 2);
    group.heads.set(vector.subarray(0, head), slot * head);
    group.rests.set(vector.subarray(head), slot * rest);
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
    const head = group.cuts[0];
    const rest = group.dims - head;
    group.heads.copyWithin(slot * head, (slot + 1) * head, (last + 1) * head);
    group.rests.copyWithin(slot * rest, (slot + 1) * rest, (last + 1) * rest);
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
    const { dims, ids, heads, rests, tails } = group;
    const [cut1, cut2] = group.cuts;
    const rest = dims - cut1;
    const middle = cut2 - cut1;
    const queryTail1 = tailNorm(vector, cut1, dims);
    const queryTail2 = tailNorm(vector, cut2, dims);
    const floor = threshold - BOUND_SLACK;
    const matches: SemanticMatch[] = [];
    for (let row = 0; row < ids.length; row++) {
      let dot = partialDot(heads, row * cut1, vector, 0, cut1);
      if (cut1 > 0 && dot + tails[row * 2]! * queryTail1 < floor) continue;
      dot += partialDot(rests, row * rest, vector, cut1, middle);
      if (cut2 > 0 && dot + tails[row * 2 + 1]! * queryTail2 < floor) continue;
      dot += partialDot(rests, row * rest + middle, vector, cut2, dims - cut2);
      if (dot >= threshold) matches.push({ id: ids[row]!, similarity: Math.min(1, dot) });
    }
    return matches.sort((a, b) => b.similarity - a.similarity);
  }
}
