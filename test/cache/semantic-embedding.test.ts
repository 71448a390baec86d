/**
 * The semantic cache with real embeddings: node-llama-cpp's embedding
 * context on stories260K. That model's vectors carry no useful meaning, so
 * this checks the plumbing and the threshold rule (an identical question
 * scores 1 and hits, a different question hits only when the threshold is at
 * or below its real measured similarity), not paraphrase quality.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, type Llama, type LlamaEmbeddingContext, type LlamaModel } from 'node-llama-cpp';
import { createResponseCache } from '../../main/cache/response-cache.js';
import { unitVector } from '../../main/cache/semantic-index.js';
import { testModel } from '../support/models.js';
import { chatRequest, completion, contentOf, tempCacheFile } from './fixtures.js';

let llama: Llama;
let model: LlamaModel;
let context: LlamaEmbeddingContext;

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  model = await llama.loadModel({ modelPath: testModel('stories260K.gguf') });
  context = await model.createEmbeddingContext({ contextSize: 256, threads: 1 });
});
afterAll(async () => {
  await context?.dispose();
  await model?.dispose();
  await llama?.dispose();
});

async function embed(texts: string[]): Promise<number[][]> {
  const vectors: number[][] = [];
  for (const text of texts) vectors.push([...(await context.getEmbeddingFor(text)).vector]);
  return vectors;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  const x = unitVector(a)!;
  const y = unitVector(b)!;
  return x.reduce((sum, v, i) => sum + v * y[i]!, 0);
}

const ask = (text: string, system = 'You tell short stories.') =>
  chatRequest({ messages: [{ role: 'system', content: system }, { role: 'user', content: text }] });

describe('semantic cache with node-llama-cpp embeddings (stories260K)', () => {
  it('hits on the same question through the embedding path, and applies the threshold to the measured similarity', async () => {
    const stored = 'Once upon a time there was a little cat.';
    const other = 'The dog ran to the park with a red ball.';
    const [a, b] = await embed([stored, other]);
    expect(a!.length).toBe(model.embeddingVectorSize);
    const similarity = cosine(a!, b!);
    expect(similarity).toBeLessThan(0.999);

    const cache = createResponseCache({ file: tempCacheFile(), embed });
    try {
      expect(await cache.lookup(ask(stored), { semanticThreshold: 0.95 })).toBeUndefined();
      await cache.store(ask(stored), completion('A cat story.'));

      // Same question with a different earlier context (system prompt): never a hit.
      expect(await cache.lookup(ask(stored, 'You write poems.'), { semanticThreshold: 0 })).toBeUndefined();

      // Same text in a request that differs only in the framing of the last message (text parts): semantic hit at ~1.
      const asParts = chatRequest({ messages: [{ role: 'system', content: 'You tell short stories.' }, { role: 'user', content: [{ type: 'text', text: stored }] }] });
      const same = await cache.lookup(asParts, { semanticThreshold: 0.999 });
      expect(same?.kind).toBe('semantic');
      expect(same!.similarity).toBeGreaterThan(0.999);
      expect(contentOf(same!.completion)).toBe('A cat story.');

      // A different question: misses above its measured similarity, hits at or below it.
      expect(await cache.lookup(ask(other), { semanticThreshold: Math.min(1, similarity + 0.001) })).toBeUndefined();
      const loose = await cache.lookup(ask(other), { semanticThreshold: similarity - 0.001 });
      expect(loose?.kind).toBe('semantic');
      expect(loose!.similarity).toBeCloseTo(similarity, 4);
    } finally {
      cache.close();
    }
  });
});
