import { describe, expect, it } from 'vitest';
import { createPlaygroundStore } from '../../renderer/stores/playground.js';
import type { ChatStreamHandlers, ChatStreamRequest, ChatStreamer } from '../../renderer/features/playground/chat-stream.js';
import { createFetchChatStreamer } from '../../renderer/features/playground/chat-stream.js';
import { buildChatRequest } from '../../renderer/features/playground/chat-request.js';
import { codeSnippet } from '../../renderer/features/playground/code-snippets.js';
import { readResponseMeta } from '../../renderer/features/playground/response-meta.js';
import { fakeTransport, manualFrames, ok } from './playground-fakes.js';

/** A streamer the test drives: each started stream is kept with its handlers. */
function scriptedStreamer() {
  const started: { request: ChatStreamRequest; handlers: ChatStreamHandlers; cancelled: boolean }[] = [];
  const streamer: ChatStreamer = (request, handlers) => {
    const entry = { request, handlers, cancelled: false };
    started.push(entry);
    return () => {
      entry.cancelled = true;
      handlers.onDone({ kind: 'stopped' });
    };
  };
  return { streamer, started };
}

function setup() {
  const fake = fakeTransport();
  fake.on('models', () => ok({ object: 'list', data: [{ id: 'stories-a', state: 'loaded' }, { id: 'stories-b', state: 'available' }] }));
  fake.on('routing', () => ok({ routes: { chat: { targets: ['local:stories-a'] } } }));
  fake.on('request', () => ok({ finalTier: 'local', finalTarget: 'local:stories-a', cache: { result: 'miss' } }));
  const frames = manualFrames();
  const script = scriptedStreamer();
  let clock = 0;
  const { usePlayground } = createPlaygroundStore({
    transport: () => fake.transport,
    streamer: script.streamer,
    endpoint: async () => '/v1',
    scheduler: frames,
    now: () => clock,
  });
  return { fake, frames, script, usePlayground, advance: (ms: number) => (clock += ms) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('playground store', () => {
  it('lists models and routes as targets and gives the first lane the first model', async () => {
    const { usePlayground } = setup();
    await usePlayground.getState().loadTargets();
    expect(usePlayground.getState().targets.map((t) => `${t.kind}:${t.id}`)).toEqual(['model:stories-a', 'model:stories-b', 'route:chat']);
    expect(usePlayground.getState().lanes[0]?.target).toEqual({ kind: 'model', id: 'stories-a' });
  });

  it('streams one answer per lane side by side, tokens applied once a frame, with live and final figures', async () => {
    const { usePlayground, script, frames, advance } = setup();
    await usePlayground.getState().loadTargets();
    usePlayground.getState().addLane({ kind: 'model', id: 'stories-b' });
    usePlayground.getState().setSystemPrompt('Be brief.');
    usePlayground.getState().setParameters({ temperature: 0, maxTokens: 64 });
    usePlayground.getState().send('  Tell a story  ');
    await tick();
    expect(script.started).toHaveLength(2);
    expect(script.started.map((s) => s.request.body.model)).toEqual(['stories-a', 'stories-b']);
    expect(script.started[0]!.request.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Tell a story' },
      ],
      temperature: 0,
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(Object.keys(usePlayground.getState().streaming)).toHaveLength(2);

    const [a, b] = script.started;
    a!.handlers.onResponse({ status: 200, headers: { 'x-homeport-cache': 'miss' }, meta: { requestId: 'req_1', cache: 'miss', tier: 'local' } });
    advance(30);
    a!.handlers.onDelta('Once');
    advance(10);
    a!.handlers.onDelta(' upon');
    b!.handlers.onResponse({ status: 200, headers: {}, meta: { cache: 'hit', tier: 'cache' } });
    b!.handlers.onDelta('Hi');
    const before = usePlayground.getState().lanes[0]!.messages[1]!;
    expect(before.content).toBe(''); // not yet: one render per frame
    frames.run();
    const laneA = usePlayground.getState().lanes[0]!;
    expect(laneA.messages[1]).toMatchObject({ role: 'assistant', content: 'Once upon', streaming: true });
    expect(laneA.messages[1]!.stats).toMatchObject({ ttftMs: 30, completionTokens: 2, tokensPerSecond: 100, tier: 'local', requestId: 'req_1' });
    expect(usePlayground.getState().lanes[1]!.messages[1]!.stats).toMatchObject({ cache: 'hit', tier: 'cache' });

    advance(10);
    a!.handlers.onDelta(' a time');
    a!.handlers.onUsage({ promptTokens: 9, completionTokens: 3 });
    a!.handlers.onDone({ kind: 'completed', finishReason: 'stop' });
    b!.handlers.onDone({ kind: 'completed', finishReason: 'length' });
    await tick();
    const done = usePlayground.getState().lanes[0]!.messages[1]!;
    expect(done).toMatchObject({ content: 'Once upon a time', streaming: false });
    expect(done.stats).toMatchObject({ ttftMs: 30, promptTokens: 9, completionTokens: 3, tokensPerSecond: 100, finishReason: 'stop' });
    expect(usePlayground.getState().streaming).toEqual({});
    expect(usePlayground.getState().lanes[0]!.raw?.request).toEqual(a!.request.body);
  });

  it('Stop cancels every stream in flight and keeps what arrived', async () => {
    const { usePlayground, script, frames } = setup();
    await usePlayground.getState().loadTargets();
    usePlayground.getState().send('hello');
    await tick();
    script.started[0]!.handlers.onDelta('partial');
    usePlayground.getState().stop();
    expect(script.started[0]!.cancelled).toBe(true);
    frames.run();
    const answer = usePlayground.getState().lanes[0]!.messages[1]!;
    expect(answer).toMatchObject({ content: 'partial', streaming: false, stats: { stopped: true } });
    expect(usePlayground.getState().streaming).toEqual({});
  });

  it('regenerates the last answer and resends an edited message without what followed it', async () => {
    const { usePlayground, script } = setup();
    await usePlayground.getState().loadTargets();
    usePlayground.getState().send('first');
    await tick();
    script.started[0]!.handlers.onDone({ kind: 'completed', finishReason: 'stop' });
    usePlayground.getState().send('second');
    await tick();
    script.started[1]!.handlers.onDone({ kind: 'completed', finishReason: 'stop' });
    expect(usePlayground.getState().lanes[0]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    usePlayground.getState().regenerate();
    await tick();
    expect(script.started).toHaveLength(3);
    expect((script.started[2]!.request.body.messages as unknown[]).length).toBe(3); // first, answer, second
    script.started[2]!.handlers.onDone({ kind: 'completed', finishReason: 'stop' });
    expect(usePlayground.getState().lanes[0]!.messages).toHaveLength(4);

    const firstId = usePlayground.getState().lanes[0]!.messages[0]!.id;
    const laneKey = usePlayground.getState().lanes[0]!.key;
    usePlayground.getState().editAndResend(laneKey, firstId, 'first, edited');
    await tick();
    expect(script.started[3]!.request.body.messages).toEqual([{ role: 'user', content: 'first, edited' }]);
    expect(usePlayground.getState().lanes[0]!.messages.map((m) => m.content)).toEqual(['first, edited', '']);
  });

  it('shows an error answer with the engine words, and leaves it out of the next request', async () => {
    const { usePlayground, script } = setup();
    await usePlayground.getState().loadTargets();
    usePlayground.getState().send('hi');
    await tick();
    script.started[0]!.handlers.onDone({ kind: 'error', code: 'model_not_found', message: 'No model "x".' });
    expect(usePlayground.getState().lanes[0]!.messages[1]!.stats?.error).toBe('No model "x".');
    usePlayground.getState().send('again');
    await tick();
    expect(script.started[1]!.request.body.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('saves a new conversation, then saves it again under its id; opens one back', async () => {
    const { usePlayground, script, fake } = setup();
    await usePlayground.getState().loadTargets();
    usePlayground.getState().send('hi');
    await tick();
    script.started[0]!.handlers.onDone({ kind: 'completed', finishReason: 'stop' });
    const saved = { id: 'c1', title: 'hi', systemPrompt: '', parameters: { temperature: 0.7 }, lanes: [{ target: { kind: 'model', id: 'stories-a' }, messages: [{ role: 'user', content: 'hi' }] }], createdAt: 'x', updatedAt: 'x' };
    fake.on('createConversation', () => ok(saved));
    fake.on('updateConversation', () => ok(saved));
    fake.on('conversations', () => ok({ object: 'list', data: [] }));
    fake.on('conversation', () => ok(saved));
    expect(await usePlayground.getState().save()).toBe(true);
    const create = fake.calls.find((c) => c.name === 'createConversation')!.params as { lanes: { messages: { role: string }[] }[] };
    expect(create.lanes[0]!.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(usePlayground.getState()).toMatchObject({ conversationId: 'c1', dirty: false, notice: 'Saved' });
    await usePlayground.getState().save('Renamed');
    expect(fake.calls.find((c) => c.name === 'updateConversation')!.params).toMatchObject({ id: 'c1', title: 'Renamed' });

    usePlayground.getState().newConversation();
    expect(usePlayground.getState().lanes[0]!.messages).toEqual([]);
    await usePlayground.getState().open('c1');
    expect(usePlayground.getState().lanes[0]!.messages.map((m) => m.content)).toEqual(['hi']);
    expect(usePlayground.getState().parameters).toEqual({ temperature: 0.7 });
  });

  it('saves and applies presets', async () => {
    const { usePlayground, fake } = setup();
    const preset = { id: 'p1', name: 'Precise', systemPrompt: 'Exact.', parameters: { temperature: 0 }, createdAt: 'x', updatedAt: 'x' };
    fake.on('createPreset', () => ok(preset));
    fake.on('presets', () => ok({ object: 'list', data: [preset] }));
    usePlayground.getState().setSystemPrompt('Exact.');
    usePlayground.getState().setParameters({ temperature: 0, maxTokens: undefined });
    expect(await usePlayground.getState().savePreset('Precise')).toBe(true);
    expect(fake.calls.find((c) => c.name === 'createPreset')!.params).toEqual({ name: 'Precise', systemPrompt: 'Exact.', parameters: { temperature: 0 } });
    usePlayground.getState().setSystemPrompt('changed');
    usePlayground.getState().applyPreset('p1');
    expect(usePlayground.getState().systemPrompt).toBe('Exact.');
  });
});

describe('chat stream over fetch', () => {
  function sseResponse(chunks: string[], headers: Record<string, string> = {}): Response {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream', ...headers } });
  }

  it('reads headers, deltas, usage and the finish reason', async () => {
    let sent: { url: string; init: RequestInit } | null = null;
    const fetchDouble = (async (url: string, init: RequestInit) => {
      sent = { url, init };
      return sseResponse(
        [
          'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n',
          'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\ndata: {"choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n',
          'data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2}}\n\ndata: [DONE]\n\n',
        ],
        { 'x-homeport-request-id': 'req_9', 'x-homeport-cache': 'hit', 'x-homeport-route': 'cache; route=chat' },
      );
    }) as unknown as typeof fetch;
    const events: unknown[] = [];
    await new Promise<void>((resolve) => {
      createFetchChatStreamer(fetchDouble)(
        { endpoint: 'http://127.0.0.1:1/v1/', body: { model: 'm', stream: true } },
        {
          onResponse: (info) => events.push(['response', info.status, info.meta]),
          onDelta: (text) => events.push(['delta', text]),
          onUsage: (usage) => events.push(['usage', usage]),
          onDone: (outcome) => {
            events.push(['done', outcome]);
            resolve();
          },
        },
      );
    });
    expect(sent!.url).toBe('http://127.0.0.1:1/v1/chat/completions');
    expect(JSON.parse(String(sent!.init.body))).toEqual({ model: 'm', stream: true });
    expect(events).toEqual([
      ['response', 200, { requestId: 'req_9', cache: 'hit', route: 'cache; route=chat', tier: 'cache' }],
      ['delta', 'Hel'],
      ['delta', 'lo'],
      ['usage', { promptTokens: 4, completionTokens: 2 }],
      ['done', { kind: 'completed', finishReason: 'stop' }],
    ]);
  });

  it('turns an error status and a mid-stream error event into words', async () => {
    const refused = (async () => new Response(JSON.stringify({ error: { message: 'No model "x".', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } }), { status: 404, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;
    const outcome = await new Promise((resolve) =>
      createFetchChatStreamer(refused)({ endpoint: '/v1', body: {} }, { onResponse: () => undefined, onDelta: () => undefined, onUsage: () => undefined, onDone: resolve }),
    );
    // OpenAI's `param` is kept: the message view says which field to check.
    expect(outcome).toEqual({ kind: 'error', code: 'model_not_found', message: 'No model "x".', param: 'model' });

    const broken = (async () => sseResponse(['data: {"choices":[{"delta":{"content":"a"}}]}\n\n', 'event: error\ndata: {"error":{"message":"upstream died","code":"upstream_broken"}}\n\n'])) as unknown as typeof fetch;
    const midway = await new Promise((resolve) =>
      createFetchChatStreamer(broken)({ endpoint: '/v1', body: {} }, { onResponse: () => undefined, onDelta: () => undefined, onUsage: () => undefined, onDone: resolve }),
    );
    expect(midway).toEqual({ kind: 'error', code: 'upstream_broken', message: 'upstream died' });
  });

  it('stops when cancelled, aborting the fetch', async () => {
    let signal: AbortSignal | undefined;
    const hanging = ((_url: string, init: RequestInit) => {
      signal = init.signal ?? undefined;
      return new Promise((_resolve, reject) => signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }) as unknown as typeof fetch;
    const outcomes: unknown[] = [];
    const cancel = createFetchChatStreamer(hanging)({ endpoint: '/v1', body: {} }, { onResponse: () => undefined, onDelta: () => undefined, onUsage: () => undefined, onDone: (o) => outcomes.push(o) });
    await tick();
    cancel();
    await tick();
    expect(signal?.aborted).toBe(true);
    expect(outcomes).toEqual([{ kind: 'stopped' }]);
  });
});

describe('request building and code snippets', () => {
  const body = buildChatRequest({
    target: { kind: 'route', id: 'chat' },
    systemPrompt: '',
    parameters: { temperature: 0, topP: 0.9, maxTokens: 32, seed: 7, stop: ['\n\n'] },
    turns: [{ role: 'user', content: "it's fine" }],
  });

  it('asks for a route by name and maps every parameter to its OpenAI field', () => {
    expect(body).toEqual({
      model: 'chat',
      messages: [{ role: 'user', content: "it's fine" }],
      temperature: 0,
      top_p: 0.9,
      max_tokens: 32,
      seed: 7,
      stop: ['\n\n'],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('writes curl with shell-safe quoting, Python with Python literals, and JavaScript', () => {
    const curl = codeSnippet('curl', { baseUrl: 'http://127.0.0.1:4663/v1/', body });
    expect(curl).toContain('curl http://127.0.0.1:4663/v1/chat/completions');
    expect(curl).toContain(`"content": "it'\\''s fine"`);
    const python = codeSnippet('python', { baseUrl: 'http://127.0.0.1:4663/v1', body });
    expect(python).toContain('stream=True,');
    expect(python).toContain('"include_usage": True,');
    expect(python).toContain('base_url="http://127.0.0.1:4663/v1"');
    const js = codeSnippet('javascript', { baseUrl: 'http://127.0.0.1:4663/v1', body });
    expect(js).toContain("baseURL: \"http://127.0.0.1:4663/v1\"");
    expect(js).toContain('for await (const chunk of response)');
  });

  it('reads the tier from the route header, and calls a cache hit a cache tier', () => {
    const h = (entries: Record<string, string>) => ({ get: (name: string) => entries[name] ?? null });
    expect(readResponseMeta(h({ 'x-homeport-route': 'local; runtime=embedded:s; model=s' })).tier).toBe('local');
    expect(readResponseMeta(h({ 'x-homeport-route': 'weird', 'x-homeport-cache': 'hit' })).tier).toBe('cache');
    expect(readResponseMeta(h({}))).toEqual({});
  });
});
