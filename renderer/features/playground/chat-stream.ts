/**
 * One streamed chat completion through the public endpoint, as any app would
 * send it: POST {endpoint}/chat/completions with `stream: true`. The
 * Playground needs more than the contract's generic stream gives (the
 * response headers carry the tier, the cache result and the request id), so
 * it reads the answer itself. Cancelling aborts the fetch, which closes the
 * connection; the gateway cancels the upstream request when it sees that.
 */
import { errorFrom, readEvents, unreachable } from '../../../preload/http-binding.js';
import { headerRecord, readResponseMeta, type ResponseMeta } from './response-meta.js';

export interface ChatResponseInfo {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly meta: ResponseMeta;
}

export interface ChatUsage {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
}

export type ChatOutcome =
  | { readonly kind: 'completed'; readonly finishReason: string | null }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'error'; readonly code: string; readonly message: string; readonly param?: string };

export interface ChatStreamHandlers {
  /** The status line and headers, before any token. */
  onResponse(info: ChatResponseInfo): void;
  /** A piece of the answer's text; `at` is when it arrived (performance.now() of the page), if not now. */
  onDelta(text: string, at?: number): void;
  /** Every event as it arrived (for the raw view). */
  onRaw?(event: string, data: unknown): void;
  onUsage(usage: ChatUsage): void;
  /** Exactly once. */
  onDone(outcome: ChatOutcome): void;
}

export interface ChatStreamRequest {
  /** e.g. `/v1` in the browser (same origin), `http://127.0.0.1:4663/v1` in the desktop app. */
  readonly endpoint: string;
  readonly body: Record<string, unknown>;
  /** Extra request headers, e.g. `x-homeport-tier` to force a tier. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Starts a stream; returns the function that stops it. */
export type ChatStreamer = (request: ChatStreamRequest, handlers: ChatStreamHandlers) => () => void;

export function createFetchChatStreamer(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): ChatStreamer {
  return function streamChat(request, handlers) {
    const controller = new AbortController();
    let done = false;
    const finish = (outcome: ChatOutcome) => {
      if (done) return;
      done = true;
      handlers.onDone(outcome);
    };
    void streamChatCompletion(fetchImpl, request, handlers, controller.signal).then(finish);
    return () => {
      controller.abort();
      finish({ kind: 'stopped' });
    };
  };
}

/**
 * The stream itself: the request, its status and headers, every event, then the outcome (never throws). Runs on
 * the page (createFetchChatStreamer) or in a worker (chat-stream.worker.ts), which hands the page its results in
 * batches.
 */
export async function streamChatCompletion(fetchImpl: typeof fetch, request: ChatStreamRequest, handlers: Omit<ChatStreamHandlers, 'onDone'>, signal: AbortSignal): Promise<ChatOutcome> {
  let finishReason: string | null = null;
  try {
    const response = await fetchImpl(`${request.endpoint.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { ...request.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(request.body),
      signal,
    });
    handlers.onResponse({ status: response.status, headers: headerRecord(response.headers), meta: readResponseMeta(response.headers) });
    if (!response.ok) {
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      handlers.onRaw?.('error', json ?? text);
      return { kind: 'error', ...errorFrom(response.status, json, text) };
    }
    let streamError: ChatOutcome | null = null;
    await readEvents(response, {
      signal,
      onEvent(type, data) {
        handlers.onRaw?.(type, data);
        const error = errorIn(type, data);
        if (error) {
          streamError = error;
          return;
        }
        const chunk = data as ChunkShape;
        const choice = chunk?.choices?.[0];
        const text = choice?.delta?.content;
        if (typeof text === 'string' && text.length > 0) handlers.onDelta(text);
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk?.usage) handlers.onUsage({ promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens });
      },
    });
    return streamError ?? { kind: 'completed', finishReason };
  } catch (error) {
    if (signal.aborted) return { kind: 'stopped' };
    return { kind: 'error', ...unreachable(error) };
  }
}

interface ChunkShape {
  readonly choices?: readonly { readonly delta?: { readonly content?: unknown }; readonly finish_reason?: string | null }[];
  readonly usage?: { readonly prompt_tokens?: number; readonly completion_tokens?: number };
}

/** A stream that breaks after it started ends with an `error` event (or a chunk holding `error`). */
function errorIn(type: string, data: unknown): ChatOutcome | null {
  const body = typeof data === 'object' && data !== null && 'error' in data ? (data as { error: { message?: string; code?: string; param?: unknown } }).error : null;
  if (type !== 'error' && !body) return null;
  return {
    kind: 'error',
    code: typeof body?.code === 'string' ? body.code : 'stream_error',
    message: typeof body?.message === 'string' ? body.message : 'The answer stopped with an error part-way.',
    ...(typeof body?.param === 'string' && body.param ? { param: body.param } : {}),
  };
}
