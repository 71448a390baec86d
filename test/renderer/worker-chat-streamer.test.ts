/**
 * Chat streams read in a worker: the page's side (batches handed to the store's handlers with each delta's own
 * arrival time, cancel, the fall back to the page when the worker cannot run) with a fake worker, and the worker's
 * side (its script run against a fake worker scope and a real SSE response) batching what arrives.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatOutcome, ChatStreamHandlers, ChatStreamer } from '../../renderer/features/playground/chat-stream.js';
import { createWorkerChatStreamer, type WorkerLike, type WorkerReply, type WorkerRequest } from '../../renderer/features/playground/worker-chat-streamer.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

function fakeWorker() {
  const posted: WorkerRequest[] = [];
  const listeners = { message: [] as ((event: MessageEvent<WorkerReply>) => void)[], error: [] as ((event: Event) => void)[] };
  const worker: WorkerLike = {
    postMessage: (message) => void posted.push(message),
    addEventListener: ((type: 'message' | 'error', listener: never) => void listeners[type].push(listener)) as WorkerLike['addEventListener'],
  };
  return {
    worker,
    posted,
    reply: (data: WorkerReply) => listeners.message.forEach((l) => l({ data } as MessageEvent<WorkerReply>)),
    fail: () => listeners.error.forEach((l) => l(new Event('error'))),
  };
}

function recording() {
  const seen: string[] = [];
  const outcomes: ChatOutcome[] = [];
  const handlers: ChatStreamHandlers = {
    onResponse: (info) => void seen.push(`response ${info.status} ${info.meta.tier ?? ''}`),
    onDelta: (text, at) => void seen.push(`delta ${text} @${at}`),
    onRaw: (event) => void seen.push(`raw ${event}`),
    onUsage: (usage) => void seen.push(`usage ${usage.completionTokens}`),
    onDone: (outcome) => void outcomes.push(outcome),
  };
  return { seen, outcomes, handlers };
}

const request = { endpoint: '/v1', body: { model: 'stories', stream: true } };

describe('the page side', () => {
  it('starts the stream in the worker and hands each batch to the handlers, deltas with their arrival time on the page clock', () => {
    const fake = fakeWorker();
    const streamer = createWorkerChatStreamer({ createWorker: () => fake.worker, timeOrigin: 1_000_000, baseUrl: 'http://127.0.0.1:4663/', fallback: () => () => undefined });
    const { seen, outcomes, handlers } = recording();
    streamer(request, handlers);
    expect(fake.posted).toEqual([{ type: 'start', id: 1, request, endpointBase: 'http://127.0.0.1:4663/', intervalMs: 50, rawLimit: 400 }]);
    fake.reply({ type: 'ready' });
    fake.reply({ type: 'response', id: 1, info: { status: 200, headers: {}, meta: { tier: 'local' } } });
    fake.reply({ type: 'batch', id: 1, deltas: [['Once', 1_000_120.5], [' upon', 1_000_121]], raw: [['message', {}], ['message', {}]] });
    fake.reply({ type: 'batch', id: 1, deltas: [], raw: [], usage: { completionTokens: 2 } });
    fake.reply({ type: 'done', id: 1, outcome: { kind: 'completed', finishReason: 'stop' } });
    expect(seen).toEqual(['response 200 local', 'raw message', 'raw message', 'delta Once @120.5', 'delta  upon @121', 'usage 2']);
    expect(outcomes).toEqual([{ kind: 'completed', finishReason: 'stop' }]);
  });

  it('stops at once on cancel, tells the worker, and ignores what it still sends', () => {
    const fake = fakeWorker();
    const streamer = createWorkerChatStreamer({ createWorker: () => fake.worker, fallback: () => () => undefined });
    const { seen, outcomes, handlers } = recording();
    const cancel = streamer(request, handlers);
    fake.reply({ type: 'ready' });
    cancel();
    expect(outcomes).toEqual([{ kind: 'stopped' }]);
    expect(fake.posted[1]).toEqual({ type: 'cancel', id: 1 });
    fake.reply({ type: 'batch', id: 1, deltas: [['late', 5]], raw: [] });
    fake.reply({ type: 'done', id: 1, outcome: { kind: 'stopped' } });
    expect(seen).toEqual([]);
    expect(outcomes).toHaveLength(1);
  });

  it('streams on the page when there is no worker, and sends a request again from the page when the worker fails to start', () => {
    const pageStreams: string[] = [];
    const fallback: ChatStreamer = (req, handlers) => {
      pageStreams.push(String(req.body.model));
      handlers.onDone({ kind: 'completed', finishReason: 'stop' });
      return () => undefined;
    };
    const none = recording();
    createWorkerChatStreamer({ createWorker: () => null, fallback })(request, none.handlers);
    expect(pageStreams).toEqual(['stories']);
    expect(none.outcomes).toEqual([{ kind: 'completed', finishReason: 'stop' }]);

    const fake = fakeWorker();
    const broken = recording();
    const streamer = createWorkerChatStreamer({ createWorker: () => fake.worker, fallback });
    streamer({ ...request, body: { model: 'again' } }, broken.handlers);
    fake.fail();
    expect(pageStreams).toEqual(['stories', 'again']);
    expect(broken.outcomes).toEqual([{ kind: 'completed', finishReason: 'stop' }]);
  });

  it('ends a stream the worker was reading with an error the user can act on if the worker dies', () => {
    const fake = fakeWorker();
    const streamer = createWorkerChatStreamer({ createWorker: () => fake.worker, fallback: () => () => undefined });
    const { outcomes, handlers } = recording();
    streamer(request, handlers);
    fake.reply({ type: 'ready' });
    fake.reply({ type: 'response', id: 1, info: { status: 200, headers: {}, meta: {} } });
    fake.fail();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ kind: 'error', code: 'stream_error' });
    expect((outcomes[0] as { message: string }).message).toMatch(/Send it again/);
  });
});

describe('the worker side', () => {
  it('reads the SSE stream and posts the response, the first delta at once, the rest in one batch, then the outcome', async () => {
    const replies: WorkerReply[] = [];
    let onMessage: ((event: MessageEvent<WorkerRequest>) => void) | null = null;
    vi.stubGlobal('self', { postMessage: (m: WorkerReply) => void replies.push(m), addEventListener: (_type: string, listener: typeof onMessage) => void (onMessage = listener) });
    const urls: string[] = [];
    const sse = ['Once', ' upon', ' a', ' time'].map((t) => `data: ${JSON.stringify({ choices: [{ delta: { content: t } }] })}\n\n`).join('') + `data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4 } })}\n\ndata: [DONE]\n\n`;
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      return new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream', 'x-homeport-route': 'local; target=local:stories' } });
    });
    await import('../../renderer/features/playground/chat-stream.worker.js');
    expect(replies).toEqual([{ type: 'ready' }]);
    const before = performance.timeOrigin + performance.now();
    onMessage!({ data: { type: 'start', id: 7, request, endpointBase: 'http://127.0.0.1:4663/', intervalMs: 60_000, rawLimit: 2 } } as unknown as MessageEvent<WorkerRequest>);
    await vi.waitFor(() => expect(replies.at(-1)?.type).toBe('done'));
    expect(urls).toEqual(['http://127.0.0.1:4663/v1/chat/completions']);
    const [, response, first, rest, done] = replies;
    expect(response).toMatchObject({ type: 'response', id: 7, info: { status: 200, meta: { tier: 'local' } } });
    expect(first).toMatchObject({ type: 'batch', id: 7, deltas: [['Once', expect.any(Number)]] });
    expect((first as Extract<WorkerReply, { type: 'batch' }>).deltas[0]![1]).toBeGreaterThanOrEqual(before);
    const batch = rest as Extract<WorkerReply, { type: 'batch' }>;
    expect(batch.deltas.map(([t]) => t)).toEqual([' upon', ' a', ' time']);
    // rawLimit 2: two events and one more, which tells the raw view that later ones were dropped.
    expect((first as Extract<WorkerReply, { type: 'batch' }>).raw.length + batch.raw.length).toBe(3);
    expect(batch.usage).toEqual({ promptTokens: 3, completionTokens: 4 });
    expect(done).toEqual({ type: 'done', id: 7, outcome: { kind: 'completed', finishReason: 'stop' } });
    expect(replies).toHaveLength(5);
  });
});
