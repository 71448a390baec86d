/**
 * How the Responses and Anthropic surfaces reach a model: they translate their
 * request into a chat completion and send it to the gateway's own
 * /v1/chat/completions over loopback, so routing, the cache, the request log,
 * app keys and cancellation are exactly those of a chat request. The client's
 * identifying headers (user agent, API key) go along so the request log
 * attributes the request to the app, and `x-homeport-surface` says which API
 * it came in through.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { IncomingHttpHeaders } from 'node:http';

export type ChatBody = Record<string, unknown>;

/** A chat completion's answer: one JSON object, or the chunks of a stream. */
export type ChatReply =
  | { readonly kind: 'json'; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: Record<string, unknown> }
  | { readonly kind: 'stream'; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly chunks: AsyncIterable<ChatStreamItem> };

/** A stream item: a chunk, or an error event the gateway sent instead of more chunks. */
export type ChatStreamItem = { readonly kind: 'chunk'; readonly chunk: Record<string, unknown> } | { readonly kind: 'error'; readonly error: { message: string; type?: string; code?: string | null } };

export interface ChatClient {
  send(body: ChatBody, options: { readonly clientHeaders: IncomingHttpHeaders; readonly surface: string; readonly signal: AbortSignal }): Promise<ChatReply>;
  close(): Promise<void>;
}

/** Headers of the app's own request that travel with the translated one. */
const FORWARDED = ['user-agent', 'authorization', 'x-api-key', 'cache-control', 'x-homeport-tier'] as const;
/** Headers of the chat answer the surface passes back to its client. */
const RETURNED = /^(x-homeport-|server-timing$|retry-after$)/;

export function createLoopbackChatClient(options: { readonly port: number }): ChatClient {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });
  const origin = `http://127.0.0.1:${options.port}`;
  return {
    async send(body, { clientHeaders, surface, signal }) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-homeport-surface': surface };
      for (const name of FORWARDED) {
        const value = clientHeaders[name];
        if (typeof value === 'string') headers[name] = value;
      }
      // An Anthropic client sends its key as x-api-key; the chat endpoint reads either.
      const stream = body.stream === true;
      const response = await request(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
        dispatcher: agent as Dispatcher,
      });
      const returned = pickHeaders(response.headers);
      const contentType = String(response.headers['content-type'] ?? '');
      if (stream && response.statusCode === 200 && contentType.startsWith('text/event-stream')) {
        return { kind: 'stream', status: 200, headers: returned, chunks: readChunks(response.body) };
      }
      const text = await response.body.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { error: { message: text || `the chat endpoint answered ${response.statusCode}`, type: 'server_error', code: null } };
      }
      return { kind: 'json', status: response.statusCode, headers: returned, body: parsed };
    },
    close: () => agent.close(),
  };
}

function pickHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (RETURNED.test(name) && value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** SSE bytes -> chunks, until `[DONE]`; an `error` payload becomes an error item. */
async function* readChunks(body: AsyncIterable<Buffer | string>): AsyncGenerator<ChatStreamItem> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const decoder = new TextDecoder();
  for await (const piece of body) {
    parser.feed(typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true }));
    while (queue.length > 0) {
      const event = queue.shift()!;
      if (event.data === '[DONE]') return;
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(event.data) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (data.error !== undefined && data.choices === undefined) {
        yield { kind: 'error', error: data.error as { message: string; type?: string; code?: string | null } };
        return;
      }
      yield { kind: 'chunk', chunk: data };
    }
  }
  // The stream ended without [DONE]: the answer broke off.
  yield { kind: 'error', error: { message: 'The model stream ended before it was complete.', type: 'server_error', code: 'stream_incomplete' } };
}
