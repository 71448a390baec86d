/**
 * Embeddings for the semantic cache, from a local embedding model's runtime
 * directly (loaded on demand like any other; no app key, no request-log
 * record, since this is Homeport's own traffic). The model is the first local
 * one whose name says it embeds (embed, bge, e5, gte, minilm, nomic); without
 * one the call fails with that reason and the cache reports the semantic tier off.
 */
import { request } from 'undici';
import type { ModelEntry } from '../gateway/types.js';

const EMBEDDING_NAME = /embed|bge|(^|[^a-z])e5([^a-z]|$)|gte|minilm|nomic/i;

export function pickEmbeddingModel(models: readonly ModelEntry[]): ModelEntry | undefined {
  return models.find((m) => EMBEDDING_NAME.test(m.id) || m.aliases.some((a) => EMBEDDING_NAME.test(a)));
}

export interface EmbedOptions {
  readonly models: () => readonly ModelEntry[];
  /** How long to wait for the embedding model to load. */
  readonly readyDeadlineMs?: number;
  readonly timeoutMs?: number;
}

export function embedWithLocalModel(options: EmbedOptions): (texts: string[]) => Promise<number[][]> {
  return async function embed(texts) {
    const model = pickEmbeddingModel(options.models());
    if (!model) throw new Error('no local embedding model (a model whose name has embed, bge, e5, gte, minilm or nomic in it)');
    const endpoint = await model.runtime.ensureReady({ deadlineMs: options.readyDeadlineMs ?? 60_000 });
    const release = model.runtime.hold?.();
    try {
      const res = await request(`${endpoint.baseUrl.replace(/\/+$/, '')}/v1/embeddings`, {
        method: 'POST',
        headers: { ...endpoint.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ model: model.upstreamModel, input: texts }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const body = (await res.body.json()) as { data?: { embedding: number[]; index: number }[]; error?: { message?: string } };
      if (res.statusCode !== 200 || !body.data) throw new Error(`embedding with ${model.id} failed: ${body.error?.message ?? `HTTP ${res.statusCode}`}`);
      return [...body.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    } finally {
      release?.();
    }
  };
}
