import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';

/** The real engine and the real embedded runtime, driven by the official OpenAI SDK exactly as an app would. */
describe('OpenAI SDK against the real engine (stories260K)', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(async () => {
    await t?.engine.stop();
  });

  it('lists the model', async () => {
    const page = await t.client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toContain('stories260k');
    expect(page.data[0]?.owned_by).toBeTruthy();
  });

  it('answers a non-streaming chat, naming the route in a header', async () => {
    const { data, response } = await t.client.chat.completions
      .create({ model: t.modelId, messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: 24, temperature: 0 })
      .withResponse();
    expect(response.headers.get('x-homeport-route')).toMatch(/local/);
    expect(response.headers.get('x-homeport-route')).toContain('embedded:stories260k');
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.role).toBe('assistant');
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(data.choices[0]?.finish_reason);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeLessThanOrEqual(24);
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
  });

  it('streams a chat in several chunks with a final usage chunk', async () => {
    const stream = await t.client.chat.completions.create({
      model: t.modelId,
      messages: [{ role: 'user', content: 'Once upon a time' }],
      max_tokens: 32,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let contentChunks = 0;
    let finish: string | null = null;
    let usage: { completion_tokens: number } | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        contentChunks++;
        text += choice.delta.content;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(contentChunks).toBeGreaterThan(3);
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(32);
  });

  it('completes a prompt', async () => {
    const completion = await t.client.completions.create({ model: t.modelId, prompt: 'Once upon a time', max_tokens: 16, temperature: 0 });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]?.text).toMatch(/there was a little girl/);
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('embeds strings with dimension 64', async () => {
    const result = await t.client.embeddings.create({ model: t.modelId, input: ['a red ball', 'a big dog'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(64);
    expect(result.data[1]?.index).toBe(1);
    expect(result.data[0]?.embedding).not.toEqual(result.data[1]?.embedding);
  });

  it('temperature 0 is deterministic across two calls', async () => {
    const ask = () => t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Lily went to the park.' }], max_tokens: 40, temperature: 0 });
    const [a, b] = [await ask(), await ask()];
    expect(a.choices[0]?.message.content).toBe(b.choices[0]?.message.content);
  });

  it('four concurrent streams all complete', async () => {
    const one = async (i: number) => {
      const stream = await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: `Story number ${i}` }], max_tokens: 48, stream: true });
      let chunks = 0;
      let finish: string | null = null;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) chunks++;
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      return { chunks, finish };
    };
    const results = await Promise.all([0, 1, 2, 3].map(one));
    for (const r of results) {
      expect(r.chunks).toBeGreaterThan(0);
      expect(['stop', 'length']).toContain(r.finish);
    }
  });

  it('a request over the body limit gets a 413 APIError, not a connection error, and the next call works', async () => {
    // 9 MiB of prompt against the default 8 MiB limit; the SDK is still uploading when the 413 is sent.
    const huge = 'x'.repeat(9 * 1024 * 1024);
    const err = await t.client.chat.completions
      .create({ model: t.modelId, messages: [{ role: 'user', content: huge }] }, { maxRetries: 0 })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('request_too_large');
    const next = await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
    expect(next.choices).toHaveLength(1);
  });

  it('status reports runtimes and per-model figures for the requests it saw', async () => {
    const before = (await t.engine.status()).models.find((m) => m.model === 'stories260k');
    await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8, temperature: 0 });
    const stream = await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 16, temperature: 0, stream: true });
    for await (const chunk of stream) void chunk;

    const status = await t.engine.status();
    const runtime = status.runtimes.find((r) => r.id === 'embedded:stories260k');
    expect(runtime).toMatchObject({ state: 'ready', kind: 'embedded', restarts: 0 });
    expect(runtime?.pid).toBeGreaterThan(0);
    expect(runtime?.port).toBeGreaterThan(0);
    const model = status.models.find((m) => m.model === 'stories260k');
    expect(model?.requests).toBe((before?.requests ?? 0) + 2);
    // The streamed request alone decoded 16 tokens (max_tokens, no stop in 16 tokens at temperature 0).
    expect((model?.tokens.completion ?? 0) - (before?.tokens.completion ?? 0)).toBeGreaterThanOrEqual(16);
    expect(model?.ttftMs.p50).toBeGreaterThan(0);
    expect(model?.decodeTokPerSec.p50).toBeGreaterThan(0);
    expect(status.inFlight).toBe(0);
    expect(status.queued).toBe(0);
  });
});
