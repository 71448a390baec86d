import { afterEach, describe, expect, it } from 'vitest';
import { createResponseCache, type ResponseCacheInstance } from '../../main/cache/response-cache.js';
import { chatRequest, completion, contentOf, tempCacheFile } from './fixtures.js';

/**
 * A deterministic stand-in for an embedding model: known sentences get fixed
 * vectors with known cosine similarities (the paraphrase is at 0.98 to the
 * question, the loose paraphrase at 0.90, the other topic at 0); anything
 * else gets a vector of its own.
 */
const KNOWN: Record<string, number[]> = {
  'What is the capital of France?': [1, 0, 0, 0],
  'Tell me the capital of France.': [0.98, Math.sqrt(1 - 0.98 ** 2), 0, 0],
  'France: which city is the capital?': [0.9, 0, Math.sqrt(1 - 0.81), 0],
  'How do I bake bread?': [0, 0, 0, 1],
};
function fakeEmbedder() {
  const calls: string[] = [];
  const embed = async (texts: string[]) => {
    calls.push(...texts);
    return texts.map((text) => KNOWN[text] ?? [0, 0, 0, 0].map((_, i) => Math.sin(text.length * (i + 1))));
  };
  return { embed, calls };
}

function conversation(last: string, options: { system?: string; earlier?: string; body?: Record<string, unknown> } = {}) {
  return chatRequest({
    messages: [
      { role: 'system', content: options.system ?? 'You are a geography tutor.' },
      { role: 'user', content: options.earlier ?? 'Hi!' },
      { role: 'assistant', content: 'Hello, ask me anything.' },
      { role: 'user', content: last },
    ],
    ...options.body,
  });
}

const open: ResponseCacheInstance[] = [];
afterEach(() => {
  for (const cache of open.splice(0)) cache.close();
});
function semanticCache(file = tempCacheFile()) {
  const fake = fakeEmbedder();
  const cache = createResponseCache({ file, embed: fake.embed });
  open.push(cache);
  return { cache, calls: fake.calls, file };
}

/** A miss with the semantic threshold set, then the store, as the router does it. */
async function seed(cache: ResponseCacheInstance, last: string, answer: string) {
  const request = conversation(last);
  expect(await cache.lookup(request, { semanticThreshold: 0.95 })).toBeUndefined();
  await cache.store(request, completion(answer));
}

describe('semantic cache', () => {
  it('a paraphrase at or above the threshold hits, with the similarity and the matched entry', async () => {
    const { cache } = semanticCache();
    await seed(cache, 'What is the capital of France?', 'Paris.');
    const exact = await cache.lookup(conversation('What is the capital of France?'), { semanticThreshold: 0.95 });
    const hit = await cache.lookup(conversation('Tell me the capital of France.'), { semanticThreshold: 0.95 });
    expect(hit).toMatchObject({ kind: 'semantic', matchedEntryId: exact!.matchedEntryId, key: exact!.key });
    expect(hit!.similarity).toBeCloseTo(0.98, 5);
    expect(contentOf(hit!.completion)).toBe('Paris.');
  });

  it('below the threshold misses; a lower route threshold lets it hit', async () => {
    const { cache } = semanticCache();
    await seed(cache, 'What is the capital of France?', 'Paris.');
    expect(await cache.lookup(conversation('France: which city is the capital?'), { semanticThreshold: 0.95 })).toBeUndefined();
    expect(await cache.lookup(conversation('How do I bake bread?'), { semanticThreshold: 0.95 })).toBeUndefined();
    const loose = await cache.lookup(conversation('France: which city is the capital?'), { semanticThreshold: 0.85 });
    expect(loose?.similarity).toBeCloseTo(0.9, 5);
  });

  it('a changed system prompt, earlier turn or parameter never hits, however similar the question', async () => {
    const { cache } = semanticCache();
    await seed(cache, 'What is the capital of France?', 'Paris.');
    const options = { semanticThreshold: 0.5 };
    expect(await cache.lookup(conversation('Tell me the capital of France.', { system: 'You are a pirate.' }), options)).toBeUndefined();
    expect(await cache.lookup(conversation('Tell me the capital of France.', { earlier: 'Hello!' }), options)).toBeUndefined();
    expect(await cache.lookup(conversation('Tell me the capital of France.', { body: { max_tokens: 8 } }), options)).toBeUndefined();
    expect(await cache.lookup(conversation('What is the capital of France?', { body: { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] } }), options)).toBeUndefined();
    expect(await cache.lookup({ ...conversation('Tell me the capital of France.'), route: 'other' }, options)).toBeUndefined();
  });

  it('is off unless the lookup passes a threshold: no embedding, no semantic hit', async () => {
    const { cache, calls } = semanticCache();
    await cache.store(conversation('What is the capital of France?'), completion('Paris.'));
    expect(await cache.lookup(conversation('Tell me the capital of France.'), {})).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('embeds once per question: the store after a miss reuses what the lookup computed', async () => {
    const { cache, calls } = semanticCache();
    await seed(cache, 'What is the capital of France?', 'Paris.');
    // First question in its context: nothing to compare with, so the store embeds it.
    expect(calls).toEqual(['What is the capital of France?']);
    const other = conversation('How do I bake bread?');
    expect(await cache.lookup(other, { semanticThreshold: 0.95 })).toBeUndefined();
    await cache.store(other, completion('Knead.'));
    expect(calls).toEqual(['What is the capital of France?', 'How do I bake bread?']);
  });

  it('store({ semantic: true }) indexes an answer without a lookup before it', async () => {
    const { cache } = semanticCache();
    await cache.store(conversation('What is the capital of France?'), completion('Paris.'), { semantic: true });
    expect((await cache.lookup(conversation('Tell me the capital of France.'), { semanticThreshold: 0.95 }))?.kind).toBe('semantic');
  });

  it('vectors survive a restart', async () => {
    const first = semanticCache();
    await seed(first.cache, 'What is the capital of France?', 'Paris.');
    first.cache.close();
    const second = semanticCache(first.file);
    expect((await second.cache.lookup(conversation('Tell me the capital of France.'), { semanticThreshold: 0.95 }))?.kind).toBe('semantic');
  });

  it('cleared, expired or evicted entries stop matching', async () => {
    const { cache } = semanticCache();
    await seed(cache, 'What is the capital of France?', 'Paris.');
    cache.clear('chat');
    expect(await cache.lookup(conversation('Tell me the capital of France.'), { semanticThreshold: 0.95 })).toBeUndefined();

    let time = 0;
    const clocked = createResponseCache({ file: tempCacheFile(), embed: fakeEmbedder().embed, ttlMs: 1000, now: () => time });
    open.push(clocked);
    await seed(clocked, 'What is the capital of France?', 'Paris.');
    time = 1000;
    expect(await clocked.lookup(conversation('Tell me the capital of France.'), { semanticThreshold: 0.95 })).toBeUndefined();
    expect(clocked.stats().entries).toBe(0);
  });

  it('a failing embedder means a plain miss, and the exact cache still works', async () => {
    const messages: string[] = [];
    const cache = createResponseCache({ file: tempCacheFile(), embed: () => Promise.reject(new Error('model not loaded')), log: (m) => messages.push(m) });
    open.push(cache);
    const request = conversation('What is the capital of France?');
    expect(await cache.lookup(request, { semanticThreshold: 0.95 })).toBeUndefined();
    await cache.store(request, completion('Paris.'));
    expect((await cache.lookup(request, { semanticThreshold: 0.95 }))?.kind).toBe('exact');
    const other = conversation('How do I bake bread?');
    expect(await cache.lookup(other, { semanticThreshold: 0.95 })).toBeUndefined();
    await cache.store(other, completion('Knead.'));
    // Said once, not on every store.
    expect(messages.filter((m) => m.includes('model not loaded'))).toHaveLength(1);
  });

  it('requests that do not end with a text user message are not compared', async () => {
    const { cache, calls } = semanticCache();
    const toolTurn = chatRequest({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [] }, { role: 'tool', tool_call_id: 'x', content: '42' }] });
    expect(await cache.lookup(toolTurn, { semanticThreshold: 0.95 })).toBeUndefined();
    await cache.store(toolTurn, completion('The answer is 42.'));
    expect(calls).toEqual([]);
  });
});
