// @vitest-environment jsdom
/**
 * Forcing a tier from the Playground (the `x-homeport-tier` header on the
 * request, the copy-as-code snippets, the answer's "forced" badge) and the
 * OpenAI `param` kept from an error through to the words the user reads.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import { createPlaygroundStore } from '../../renderer/stores/playground.js';
import type { ChatStreamHandlers, ChatStreamRequest, ChatStreamer } from '../../renderer/features/playground/chat-stream.js';
import { createFetchChatStreamer } from '../../renderer/features/playground/chat-stream.js';
import { codeSnippet } from '../../renderer/features/playground/code-snippets.js';
import { tierHeaders, TIER_OPTIONS } from '../../renderer/features/playground/forced-tier.js';
import { MessageView } from '../../renderer/features/playground/MessageView.js';
import { errorFrom } from '../../preload/http-binding.js';
import { fakeTransport, manualFrames, ok } from './playground-fakes.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

const wrap = (node: ReactNode) => render(<MantineProvider>{node}</MantineProvider>);
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  const fake = fakeTransport();
  fake.on('models', () => ok({ object: 'list', data: [{ id: 'stories-a', state: 'loaded' }] }));
  fake.on('routing', () => ok({ routes: {} }));
  fake.on('request', () => ok({ finalTier: 'local', finalTarget: 'local:stories-a', cache: { result: 'miss' } }));
  const started: { request: ChatStreamRequest; handlers: ChatStreamHandlers }[] = [];
  const streamer: ChatStreamer = (request, handlers) => {
    started.push({ request, handlers });
    return () => handlers.onDone({ kind: 'stopped' });
  };
  const { usePlayground } = createPlaygroundStore({ transport: () => fake.transport, streamer, endpoint: async () => '/v1', scheduler: manualFrames(), now: () => 0 });
  return { usePlayground, started };
}

describe('forcing a tier', () => {
  it('offers Auto and the four tiers; Auto sends no header, a tier sends x-homeport-tier', () => {
    expect(TIER_OPTIONS.map((o) => o.value)).toEqual(['auto', 'cache', 'local', 'network', 'cloud']);
    expect(tierHeaders('auto')).toEqual({});
    expect(tierHeaders('network')).toEqual({ 'x-homeport-tier': 'network' });
  });

  it('sends the header with every lane while forced, records it on the answer and in the raw view, and stops when back on Auto', async () => {
    const { usePlayground, started } = setup();
    await usePlayground.getState().loadTargets();
    usePlayground.getState().setForcedTier('local');
    usePlayground.getState().send('hello');
    await tick();
    expect(started[0]!.request.headers).toEqual({ 'x-homeport-tier': 'local' });
    const lane = usePlayground.getState().lanes[0]!;
    expect(lane.raw?.requestHeaders).toEqual({ 'x-homeport-tier': 'local' });
    expect(lane.messages[1]!.stats?.forcedTier).toBe('local');
    started[0]!.handlers.onDone({ kind: 'completed', finishReason: 'stop' });

    usePlayground.getState().setForcedTier('auto');
    usePlayground.getState().send('again');
    await tick();
    expect(started[1]!.request.headers).toEqual({});
    expect(usePlayground.getState().lanes[0]!.messages[3]!.stats?.forcedTier).toBeUndefined();
  });

  it('puts the header on the wire', async () => {
    let headers: Record<string, string> = {};
    const fetchImpl = (async (_url: string, init: RequestInit) => {
      headers = init.headers as Record<string, string>;
      return new Response('data: [DONE]\n\n', { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }) as unknown as typeof fetch;
    await new Promise((resolve) =>
      createFetchChatStreamer(fetchImpl)({ endpoint: '/v1', body: {}, headers: { 'x-homeport-tier': 'cache' } }, { onResponse: () => undefined, onDelta: () => undefined, onUsage: () => undefined, onDone: resolve }),
    );
    expect(headers['x-homeport-tier']).toBe('cache');
    expect(headers['content-type']).toBe('application/json');
  });

  it('copies the header into curl, Python and JavaScript', () => {
    const input = { baseUrl: 'http://127.0.0.1:4663/v1', body: { model: 'm', stream: true }, headers: { 'x-homeport-tier': 'cloud' } };
    expect(codeSnippet('curl', input)).toContain("-H 'x-homeport-tier: cloud'");
    expect(codeSnippet('python', input)).toContain('extra_headers={');
    expect(codeSnippet('python', input)).toContain('"x-homeport-tier": "cloud"');
    expect(codeSnippet('javascript', input)).toContain('{ headers: {"x-homeport-tier":"cloud"} }');
    expect(codeSnippet('curl', { ...input, headers: {} })).not.toContain('x-homeport-tier');
  });

  it('shows the forced tier next to the tier that answered', () => {
    wrap(<MessageView canEdit={false} message={{ id: 'm', role: 'assistant', content: 'hi', stats: { model: 's', tier: 'local', forcedTier: 'local', ttftMs: 5 } }} />);
    const figures = screen.getByLabelText('Answer figures');
    expect(figures.textContent).toContain('forced local');
  });
});

describe("OpenAI's param", () => {
  it('is kept by errorFrom, and left out when absent or empty', () => {
    expect(errorFrom(400, { error: { message: 'too hot', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } })).toEqual({
      code: 'invalid_value',
      message: 'too hot',
      param: 'temperature',
    });
    expect(errorFrom(400, { error: { message: 'bad', param: null } })).toEqual({ code: 'http_400', message: 'bad' });
    expect(errorFrom(400, { error: { message: 'bad', param: '' } })).toEqual({ code: 'http_400', message: 'bad' });
  });

  it("names the Playground's own field in a failed answer", () => {
    wrap(<MessageView canEdit={false} message={{ id: 'm', role: 'assistant', content: '', stats: { error: 'max_tokens is too large', errorParam: 'max_tokens' } }} />);
    expect(screen.getByRole('alert').textContent).toBe('max_tokens is too large (check Max tokens)');
  });

  it('keeps the param of a failed answer on the message', async () => {
    const { usePlayground, started } = setup();
    await usePlayground.getState().loadTargets();
    usePlayground.getState().send('hello');
    await tick();
    started[0]!.handlers.onDone({ kind: 'error', code: 'invalid_value', message: 'too hot', param: 'temperature' });
    expect(usePlayground.getState().lanes[0]!.messages[1]!.stats).toMatchObject({ error: 'too hot', errorParam: 'temperature' });
  });
});
