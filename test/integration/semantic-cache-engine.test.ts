/**
 * The near-identical (semantic) cache end to end through a real engine: a
 * route with `semanticCache`, answered by the embedded runtime on
 * stories260K, whose embeddings come from the same model through the engine's
 * own /v1/embeddings (the alias `stories-embed` makes it the embedding model,
 * main/routing/embed.ts). stories260K's vectors carry little meaning, so the
 * test first measures, through the engine, that its paraphrase scores above
 * the route's threshold and an unrelated question below it, then checks what
 * the cache does with those questions. Driven by the official openai SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { putRouting, requestRecord } from '../support/routing.js';
import { testModel } from '../support/models.js';
import type { RequestRecord } from '../../main/requests/types.js';

const THRESHOLD = 0.99;
const SYSTEM = 'You tell short stories.';
const QUESTION = 'Tell me a story about a little cat.';
const PARAPHRASE = 'Tell me a story about a small cat.';
const UNRELATED = 'The dog ran to the park with a red ball.';

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

let t: TestEngine;

const record = (id: string | null): Promise<RequestRecord> => requestRecord(t, id);

async function cacheEntries(): Promise<number> {
  const res = await t.controlFetch('/homeport/v1/cache');
  return ((await res.json()) as { entries: number }).entries;
}

/** Ask through the route; when the answer is a miss, wait until it is stored (store runs after the answer is sent). */
async function ask(messages: Message[], extra: { max_tokens?: number } = {}): Promise<{ cache: string | null; content: string; id: string | null }> {
  const before = await cacheEntries();
  const { data, response } = await t.client.chat.completions.create({ model: 'tales', temperature: 0, max_tokens: extra.max_tokens ?? 8, messages }).withResponse();
  const cache = response.headers.get('x-homeport-cache');
  if (cache === 'miss') {
    for (let i = 0; i < 200 && (await cacheEntries()) <= before; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await cacheEntries(), 'the missed answer was stored').toBe(before + 1);
  }
  return { cache, content: data.choices[0]?.message.content ?? '', id: response.headers.get('x-homeport-request-id') };
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** Cosine similarity of QUESTION with each text, from the engine's own embedding model. */
async function similarities(...texts: string[]): Promise<number[]> {
  const { data } = await t.client.embeddings.create({ model: 'stories-embed', input: [QUESTION, ...texts], encoding_format: 'float' });
  const [q, ...rest] = data.map((d) => d.embedding);
  return rest.map((v) => cosine(q!, v));
}

beforeAll(async () => {
  t = await startTestEngine({
    modelPaths: [],
    config: { models: [{ path: testModel('stories260K.gguf'), id: 'stories', aliases: ['stories-embed'] }] },
    tuning: { parallel: 2 },
  });
  const routing = { routes: { tales: { targets: ['local:stories'], cache: { enabled: true }, semanticCache: { threshold: THRESHOLD } } } };
  await putRouting(t, routing);
}, 120_000);

afterAll(async () => {
  await t?.engine.stop();
});

describe('semantic cache through the engine (stories260K embeds and answers)', () => {
  it('a paraphrase hits, with the similarity and the matched entry in the request record', async () => {
    // What the embedding model says, through the engine: the paraphrase is above the threshold, the unrelated question below.
    const [paraphraseSimilarity = NaN, unrelatedSimilarity = NaN] = await similarities(PARAPHRASE, UNRELATED);
    expect(paraphraseSimilarity).toBeGreaterThanOrEqual(THRESHOLD);
    expect(unrelatedSimilarity).toBeLessThan(THRESHOLD);

    const first = await ask([{ role: 'system', content: SYSTEM }, { role: 'user', content: QUESTION }]);
    expect(first.cache).toBe('miss');
    const second = await ask([{ role: 'system', content: SYSTEM }, { role: 'user', content: PARAPHRASE }]);
    expect(second.cache).toBe('hit');
    expect(second.content).toBe(first.content);
    const r = await record(second.id);
    expect(r).toMatchObject({ route: 'tales', finalTier: 'cache', finalTarget: 'cache', status: 200, cache: { result: 'hit', reason: 'semantic match' } });
    expect(r.cache.similarity).toBeCloseTo(paraphraseSimilarity, 3);
    expect(r.cache.similarity).toBeGreaterThanOrEqual(THRESHOLD);
    expect(r.cache.matchedEntryId).toMatch(/^\d+$/);
    expect(r.attempts).toEqual([{ target: 'cache', tier: 'cache', outcome: 'hit', reason: `semantic match, similarity ${r.cache.similarity!.toFixed(3)}`, ms: expect.any(Number) }]);
    // An unrelated question in the same context is a miss, answered by the model.
    const unrelated = await ask([{ role: 'system', content: SYSTEM }, { role: 'user', content: UNRELATED }]);
    expect(unrelated.cache).toBe('miss');
    expect((await record(unrelated.id)).finalTarget).toBe('local:stories');
  });

  it('the same last message never hits under a changed system prompt, earlier turn or parameter', async () => {
    const earlier: Message[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Hello there.' },
      { role: 'assistant', content: 'Hello! What story would you like?' },
      { role: 'user', content: QUESTION },
    ];
    expect((await ask(earlier)).cache).toBe('miss');
    expect((await ask(earlier)).cache).toBe('hit');

    const otherSystem = await ask([{ role: 'system', content: 'You write poems.' }, { role: 'user', content: QUESTION }]);
    expect(otherSystem.cache).toBe('miss');
    const otherTurn = await ask([earlier[0]!, { role: 'user', content: 'Good morning.' }, earlier[2]!, earlier[3]!]);
    expect(otherTurn.cache).toBe('miss');
    const otherReply = await ask([earlier[0]!, earlier[1]!, { role: 'assistant', content: 'Hi! Which story?' }, earlier[3]!]);
    expect(otherReply.cache).toBe('miss');
    const otherLength = await ask(earlier, { max_tokens: 9 });
    expect(otherLength.cache).toBe('miss');
    const r = await record(otherTurn.id);
    expect(r.cache.result).toBe('miss');
    expect(r.cache.similarity).toBeUndefined();
  });
});
