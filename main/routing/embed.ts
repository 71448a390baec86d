/**
 * Embeddings for the semantic cache, through the gateway's own
 * /v1/embeddings (so the embedding model loads on demand like any other).
 * The model is the first local one whose name says it embeds (embed, bge,
 * e5, gte, minilm, nomic); without one the call fails with that reason and
 * the cache reports the semantic tier off.
 */
import { request } from 'undici';
import type { ModelEntry } from '../gateway/types.js';

const EMBEDDING_NAME = /embed|bge|(^|[^a-z])e5([^a-z]|$)|gte|minilm|nomic/i;

export function pickEmbeddingModel(models: readonly ModelEntry[]): ModelEntry | undefined {
  return models.find((m) => EMBEDDING_NAME.test(m.id) || m.aliases.some((a) => EMBEDDING_NAME.test(a)));
}

export function embedThroughGateway(options: { readonly baseUrl: string; readonly models: () => readonly ModelEntry[]; readonly timeoutMs?: number }): (texts: string[]) => Promise<number[][]> {
  return async function embed(texts) {
    const model = pickEmbeddingModel(options.models());
    if (!model) throw new Error('no local embedding model (a model whose name has embed, bge, e5, gte, minilm or nomic in it)');
    const res = await request(`${options.baseUrl}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: model.id, input: texts }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const body = (await res.body.json()) as { data?: { embedding: number[]; index: number }[]; error?: { message?: string } };
    if (res.statusCode !== 200 || !body.data) throw new Error(`embedding with ${model.id} failed: ${body.error?.message ?? `HTTP ${res.statusCode}`}`);
    return [...body.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  };
}
