/**
 * In-memory vectors for the semantic cache, grouped by context key: a lookup
 * scans only the entries whose everything-but-the-last-user-message is
 * identical to the request's, so the scan is a dot product over one packed
 * Float32Array. Vectors are stored unit length, so the dot product is the
 * cosine similarity. The scan is bounded: a group keeps at most
 * `maxPerContext` vectors (the oldest go first).
 */

export interface SemanticMatch {
  readonly id: number;
  readonly similarity: number;
}

interface Group {
  dims: number;
  ids: number[];
  vectors: Float32Array;
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
      group = { dims: vector.length, ids: [], vectors: new Float32Array(vector.length * 4) };
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
    group.vectors.set(vector, slot * group.dims);
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
    group.ids.splice(slot, 1);
    if (group.ids.length === 0) this.groups.delete(contextKey);
  }

  clear(): void {
    this.groups.clear();
    this.where.clear();
  }

  /** Entries of the context at or above the threshold, most similar first. */
  search(contextKey: string, vector: Float32Array, threshold: number): SemanticMatch[] {
    const group = this.groups.get(contextKey);
    if (group === undefined || group.dims !== vector.length) return [];
    const { dims, ids, vectors } = group;
    const matches: SemanticMatch[] = [];
    const whole = dims - (dims % 4);
    for (let row = 0, offset = 0; row < ids.length; row++, offset += dims) {
      // Four running sums: independent additions the CPU can overlap.
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      let i = 0;
      for (; i < whole; i += 4) {
        a += vectors[offset + i]! * vector[i]!;
        b += vectors[offset + i + 1]! * vector[i + 1]!;
        c += vectors[offset + i + 2]! * vector[i + 2]!;
        d += vectors[offset + i + 3]! * vector[i + 3]!;
      }
      for (; i < dims; i++) a += vectors[offset + i]! * vector[i]!;
      const dot = a + b + c + d;
      if (dot >= threshold) matches.push({ id: ids[row]!, similarity: Math.min(1, dot) });
    }
    return matches.sort((a, b) => b.similarity - a.similarity);
  }
}
