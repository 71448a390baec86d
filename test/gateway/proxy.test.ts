import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatStreamChunks, defaultResponder, startFakeUpstream, usageChunk } from '../fixtures/fake-upstream.js';
import type { FakeUpstream } from '../fixtures/fake-upstream.js';
import { FakeRuntime, call, directoryOf, modelEntry, sseData, startGateway, waitFor } from './harness.js';
import type { TestGateway } from './harness.js';

let upstream: FakeUpstream;
let gateway: TestGateway;
let port: number;
let llamaRuntime: FakeRuntime;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const runtime = new FakeRuntime('rt-1', { kind: 'ready', endpoint: upstream.endpoint({ authorization: 'Bearer runtime-key-123' }) });
  llamaRuntime = runtime;
  const bare = new FakeRuntime('rt-bare', { kind: 'ready', endpoint: upstream.endpoint() });
  gateway = await startGateway({
    models: directoryOf([
      modelEntry('local-llama', runtime, { aliases: ['llama'] }),
      modelEntry('renamed', runtime, { upstreamModel: 'models/renamed-q4.gguf' }),
      modelEntry('bare-model', bare),
    ]),
  });
  port = gateway.port;
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.respondWith(defaultResponder);
});

interface StreamedResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly chunks: { readonly at: number; readonly text: string }[];
  readonly text: string;
}

/** Posts a streaming request and records when each chunk reaches the client. */
function streamFrom(p: number, body: unknown): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: p,
        method: 'POST',
        path: '/v1/chat/completions',
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: { at: number; text: string }[] = [];
        res.on('data', (chunk: Buffer) => chunks.push({ at: performance.now(), text: chunk.toString('utf8') }));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, text: chunks.map((c) => c.text).join('') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('forwarding', () => {
  it('forwards the raw body byte for byte when the model name needs no rewrite', async () => {
    const raw = '{ "messages" : [ {"role":"user","content":"héllo \\u00e9"} ],\n  "model":"local-llama", "temperature": 0.50 }';
    const next = upstream.nextRequest();
    const result = await call(port, { path: '/v1/chat/completions', body: raw });
    const seen = await next;
    expect(result.status).toBe(200);
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.body.equals(Buffer.from(raw))).toBe(true);
  });

  it('rewrites only the model when the runtime knows it by another name', async () => {
    const next = upstream.nextRequest();
    await call(port, { path: '/v1/chat/completions', body: { model: 'renamed', messages: [{ role: 'user', content: 'hi' }], seed: 7 } });
    const seen = await next;
    expect(seen.json).toEqual({ model: 'models/renamed-q4.gguf', messages: [{ role: 'user', content: 'hi' }], seed: 7 });
  });

  it("gives the answer back the client's model name, never the runtime's own (whole and streamed)", async () => {
    const whole = await call(port, { path: '/v1/chat/completions', body: { model: 'renamed', messages: [{ role: 'user', content: 'hi' }] } });
    expect(whole.status).toBe(200);
    expect(whole.json).toMatchObject({ model: 'renamed', choices: [{ message: { content: 'Hello from fake' } }] });
    expect(whole.text).not.toContain('renamed-q4.gguf');

    const streamed = await streamFrom(port, { model: 'renamed', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const events = sseData(streamed.text);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { model: string });
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((c) => c.model === 'renamed')).toBe(true);

    // A name the runtime already knows is relayed untouched.
    const plain = await call(port, { path: '/v1/chat/completions', body: { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }] } });
    expect(plain.json).toMatchObject({ model: 'local-llama' });
  });

  it('routes an alias to its model and sends the runtime the upstream name of the model', async () => {
    const next = upstream.nextRequest();
    const result = await call(port, { path: '/v1/chat/completions', body: { model: 'llama', messages: [{ role: 'user', content: 'hi' }] } });
    expect(result.headers['x-homeport-route']).toBe('local; runtime=rt-1; model=local-llama');
    expect(((await next).json as { model: string }).model).toBe('local-llama');
  });

  it("adds the runtime's headers and never forwards the client's Authorization", async () => {
    const next = upstream.nextRequest();
    await call(port, {
      path: '/v1/chat/completions',
      body: { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }] },
      headers: { authorization: 'Bearer hp-client-secret', cookie: 'a=b' },
    });
    const seen = await next;
    expect(seen.headers.authorization).toBe('Bearer runtime-key-123');
    expect(JSON.stringify(seen.headers)).not.toContain('hp-client-secret');
    expect(seen.headers.cookie).toBeUndefined();

    const bare = upstream.nextRequest();
    await call(port, {
      path: '/v1/embeddings',
      body: { model: 'bare-model', input: 'x' },
      headers: { authorization: 'Bearer hp-client-secret' },
    });
    expect((await bare).headers.authorization).toBeUndefined();
  });

  it('relays a non-stream answer with its status and content type, and records usage', async () => {
    const result = await call(port, { path: '/v1/completions', body: { model: 'local-llama', prompt: 'Once' } });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('application/json');
    expect(result.headers['x-homeport-route']).toBe('local; runtime=rt-1; model=local-llama');
    expect((result.json as { choices: { text: string }[] }).choices[0]?.text).toBe('Hello from fake');

    const meter = gateway.metrics.meters.at(-1);
    await waitFor(() => meter?.finishes === 1);
    expect(meter?.info).toEqual({ modelId: 'local-llama', runtimeId: 'rt-1', endpoint: 'completions', stream: false });
    expect(meter?.events).toEqual([
      { type: 'forwarded' },
      { type: 'firstToken' },
      { type: 'finish', status: 200, usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }, error: undefined },
    ]);
  });

  it("relays a runtime's HTTP error with its status, message and type, in OpenAI's shape", async () => {
    const llamaError = { error: { code: 400, message: 'request (9000 tokens) exceeds the available context size', type: 'exceed_context_size_error' } };
    upstream.respondWith(() => ({ kind: 'json', status: 400, body: llamaError, headers: { 'retry-after': '3' } }));
    const result = await call(port, { path: '/v1/chat/completions', body: { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true } });
    expect(result.status).toBe(400);
    expect(result.json).toEqual({ error: { message: llamaError.error.message, type: 'exceed_context_size_error', param: null, code: 'context_length_exceeded' } });
    expect(result.headers['retry-after']).toBe('3');
    expect(result.headers['x-homeport-route']).toBe('local; runtime=rt-1; model=local-llama');
  });
});

describe('streaming', () => {
  it('writes each chunk to the client as soon as the upstream sends it', async () => {
    upstream.respondWith(() => ({ kind: 'stream', chunks: chatStreamChunks(['A', 'B', 'C']), delayMs: 120 }));
    const next = upstream.nextRequest();
    const response = await streamFrom(port, { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const seen = await next;

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['x-accel-buffering']).toBe('no');
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers['x-homeport-route']).toBe('local; runtime=rt-1; model=local-llama');

    // The client saw the first chunk before the upstream even sent the second.
    const firstArrived = response.chunks[0]?.at ?? Infinity;
    const secondSent = seen.chunkSentAt[1] ?? -Infinity;
    expect(firstArrived).toBeLessThan(secondSent);
    expect(response.chunks.length).toBeGreaterThanOrEqual(5);

    const data = sseData(response.text);
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.slice(1, 4).map((d) => (JSON.parse(d) as { choices: { delta: { content: string } }[] }).choices[0]?.delta.content)).toEqual([
      'A',
      'B',
      'C',
    ]);
  });

  it('meters first token, one token per content chunk, and the usage chunk', async () => {
    upstream.respondWith(() => ({
      kind: 'stream',
      chunks: [...chatStreamChunks(['x', 'y', 'z', 'w']), usageChunk({ prompt_tokens: 11, completion_tokens: 4 })],
    }));
    await streamFrom(port, { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const meter = gateway.metrics.meters.at(-1);
    await waitFor(() => meter?.finishes === 1);
    expect(meter?.info.stream).toBe(true);
    expect(meter?.events).toEqual([
      { type: 'forwarded' },
      { type: 'firstToken' },
      { type: 'tokens', n: 1 },
      { type: 'tokens', n: 1 },
      { type: 'tokens', n: 1 },
      { type: 'tokens', n: 1 },
      { type: 'finish', status: 200, usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 }, error: undefined },
    ]);
  });

  it('ends the stream with an error event and no [DONE] when the runtime dies mid-stream', async () => {
    upstream.respondWith(() => ({ kind: 'stream', chunks: chatStreamChunks(['one', 'two', 'three', 'four']), dieAfterChunks: 2 }));
    const response = await streamFrom(port, { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const data = sseData(response.text);

    expect(response.status).toBe(200);
    expect(data).not.toContain('[DONE]');
    expect(data).toHaveLength(3);
    const last = JSON.parse(data.at(-1) ?? '{}') as { error: Record<string, unknown> };
    expect(Object.keys(last.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(last.error).toMatchObject({ type: 'server_error', param: null, code: 'runtime_disconnected' });
    expect(last.error.message).toMatch(/^The runtime rt-1 stopped while streaming: /);

    const meter = gateway.metrics.meters.at(-1);
    await waitFor(() => meter?.finishes === 1);
    expect(meter?.events.at(-1)).toMatchObject({ type: 'finish', status: 502 });

    expect((await call(port, { path: '/v1/models' })).status).toBe(200);
  });

  it('does not leave a half-sent event in front of the error event', async () => {
    upstream.respondWith(() => ({
      kind: 'stream',
      chunks: [...chatStreamChunks(['ok']).slice(0, 2), { raw: 'data: {"choices":[{"delta":{"content":"cu' }],
      dieAfterChunks: 3,
    }));
    const response = await streamFrom(port, { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const data = sseData(response.text);
    // The torn event is closed off on its own; the error event parses cleanly.
    expect(JSON.parse(data.at(-1) ?? '{}')).toMatchObject({ error: { code: 'runtime_disconnected' } });
  });

  it('pauses the upstream while the client is not reading, then delivers everything', async () => {
    const chunkCount = 512;
    const event = `data: ${'x'.repeat(64 * 1024 - 8)}\n\n`;
    upstream.respondWith(() => ({ kind: 'stream', chunks: Array.from({ length: chunkCount }, () => ({ raw: event })) }));
    const next = upstream.nextRequest();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent: false, headers: { 'content-type': 'application/json' } },
        resolve,
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    const seen = await next;
    // The client reads nothing for a while: the gateway must not soak up the whole stream.
    res.pause();
    // Wait until the upstream stalls (no chunk accepted for 150 ms) or has sent everything.
    let sentWhilePaused = -1;
    while (sentWhilePaused !== seen.chunkSentAt.length && seen.chunkSentAt.length < chunkCount) {
      sentWhilePaused = seen.chunkSentAt.length;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    sentWhilePaused = seen.chunkSentAt.length;
    console.info(`[gateway] upstream stalled after ${sentWhilePaused} of ${chunkCount} 64 KiB chunks while the client was paused`);
    expect(sentWhilePaused).toBeLessThan(chunkCount / 2);

    let received = 0;
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    res.resume();
    await new Promise((resolve) => res.on('end', resolve));
    expect(received).toBe(chunkCount * Buffer.byteLength(event) + 'data: [DONE]\n\n'.length);
  });

  it('destroys the upstream request promptly when the client disconnects mid-stream', async () => {
    upstream.respondWith(() => ({ kind: 'stream', chunks: chatStreamChunks(Array.from({ length: 50 }, () => 'tok')), delayMs: 100 }));
    const next = upstream.nextRequest();
    const disconnectedAt = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent: false, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.once('data', () => {
            const at = performance.now();
            req.destroy();
            resolve(at);
          });
        },
      );
      req.on('error', (err) => {
        if (!req.destroyed) reject(err);
      });
      req.end(JSON.stringify({ model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    const seen = await next;
    await Promise.race([seen.ended, new Promise((resolve) => setTimeout(resolve, 2000))]);
    expect(seen.closedEarlyAt).toBeDefined();
    const lagMs = (seen.closedEarlyAt ?? Infinity) - disconnectedAt;
    console.info(`[gateway] upstream saw the client disconnect after ${lagMs.toFixed(2)} ms`);
    expect(lagMs).toBeLessThan(500);

    const meter = gateway.metrics.meters.at(-1);
    await waitFor(() => meter?.finishes === 1);
    expect(meter?.events.at(-1)).toMatchObject({ type: 'finish', status: 499 });
  });

  it('holds the runtime while a request is in flight and releases it exactly once at the end, whatever the outcome', async () => {
    const runtime = llamaRuntime;
    const before = runtime.holdsTaken;
    upstream.respondWith(() => ({ kind: 'stream', chunks: chatStreamChunks(['a', 'b', 'c']), delayMs: 150 }));
    const pending = streamFrom(port, { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await waitFor(() => runtime.inFlight === 1);
    await pending;
    await waitFor(() => runtime.inFlight === 0);
    upstream.respondWith(() => ({ kind: 'stream', chunks: chatStreamChunks(['a', 'b', 'c']), dieAfterChunks: 1 }));
    await streamFrom(port, { model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await waitFor(() => runtime.inFlight === 0);
    expect(runtime.holdsTaken - before).toBe(2);
  });

  it('destroys the upstream request when the client gives up on a slow non-stream answer', async () => {
    upstream.respondWith(() => ({ kind: 'hang' }));
    const next = upstream.nextRequest();
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/chat/completions',
      agent: false,
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ model: 'local-llama', messages: [{ role: 'user', content: 'hi' }] }));
    const seen = await next;
    const abortedAt = performance.now();
    req.destroy();
    await Promise.race([seen.ended, new Promise((resolve) => setTimeout(resolve, 2000))]);
    expect((seen.closedEarlyAt ?? Infinity) - abortedAt).toBeLessThan(500);
  });
});
