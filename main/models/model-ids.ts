/**
 * Stable model ids. An id is the slug of the name people know the model by
 * (`Llama-3.1-8B-Instruct-Q4_K_M.gguf` → `llama-3.1-8b-instruct-q4_k_m`,
 * Ollama's `llama3.2:3b` → `llama3.2-3b`), the same slug the config's model
 * list uses. When different files share a slug, the one from the most
 * preferred source (then the first by path) keeps it and every other gets a
 * suffix made from a hash of its own path, so its id does not change when
 * files are added or removed elsewhere.
 */
import { createHash } from 'node:crypto';
import { modelIdFromPath } from '../config/model-list.js';
import { SOURCE_KINDS, type SourceKind } from './sources.js';

export interface IdInput {
  readonly displayName: string;
  /** The model's resolved (first) file: what the hash suffix is made from. */
  readonly canonicalPath: string;
  /** Every kind of place it was found. */
  readonly sourceKinds: readonly SourceKind[];
}

export function slugOf(displayName: string): string {
  return modelIdFromPath(displayName.replace(/:/g, '-'));
}

/** Ids for the inputs, in the same order. */
export function assignModelIds(inputs: readonly IdInput[]): string[] {
  const bySlug = new Map<string, number[]>();
  inputs.forEach((input, index) => {
    const slug = slugOf(input.displayName);
    bySlug.set(slug, [...(bySlug.get(slug) ?? []), index]);
  });
  const ids = new Array<string>(inputs.length);
  for (const [slug, indexes] of bySlug) {
    const ranked = [...indexes].sort((a, b) => compare(inputs[a]!, inputs[b]!));
    ranked.forEach((index, rank) => {
      ids[index] = rank === 0 ? slug : `${slug}-${shortHash(inputs[index]!.canonicalPath)}`;
    });
  }
  return ids;
}

function bestSourceRank(kinds: readonly SourceKind[]): number {
  return Math.min(...kinds.map((kind) => SOURCE_KINDS.indexOf(kind)), SOURCE_KINDS.length);
}

function compare(a: IdInput, b: IdInput): number {
  const rank = bestSourceRank(a.sourceKinds) - bestSourceRank(b.sourceKinds);
  if (rank !== 0) return rank;
  return a.canonicalPath < b.canonicalPath ? -1 : a.canonicalPath > b.canonicalPath ? 1 : 0;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 6);
}
