/**
 * Relays the rest of an event stream the router committed to. Bytes go to the
 * client as they arrive (with backpressure, one write per upstream chunk),
 * then are split into events (SseDataSplitter: indexOf, no general SSE
 * parser) and parsed to count tokens, keep the usage and feed the cache's
 * assembler. The one rewrite: when the router asked the upstream for a usage
 * chunk the client did not ask for, that chunk is left out (the chunk's other
 * events are then re-written and sent together in one write).
 *
 * Once streaming has started there is no failover: an upstream that goes
 * away, or stays silent longer than the idle timeout, ends the stream with an
 * OpenAI-shaped error event and no `[DONE]`.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { SseDataSplitter } from '../gateway/sse.js';
import type { Usage } from '../metrics/types.js';

export interface StreamRelayOptions {
  readonly res: ServerResponse;
  readonly response: IncomingMessage;
  readonly request: ClientRequest;
  readonly first: Buffer;
  readonly idleTimeoutMs: number;
  readonly clientGone: AbortSignal;
  /** Leave out usage-only chunks (the router added `include_usage` for its own accounting). */
  readonly dropUsageChunk: boolean;
  /** The target as the error event names it, e.g. `openai:gpt-4o-mini`. */
  readonly label: string;
  /** Each parsed data event (not `[DONE]`). */
  readonly onEvent?: (chunk: Record<string, unknown>) => void;
  readonly onFirstToken: () => void;
  readonly onTokens: (n: number) => void;
  /** Scrubs secrets from text that came from upstream before it reaches the client. */
  readonly scrub: (text: string) => string;
}

export interface StreamRelayResult {
  /** The stream ended with `[DONE]` (or a clean end after content). */
  readonly ok: boolean;
  readonly cancelled: boolean;
  readonly usage?: Usage;
  readonly error?: string;
}

export function relayStream(options: StreamRelayOptions): Promise<StreamRelayResult> {
  const { res, response } = options;
  return new Promise<StreamRelayResult>((resolve) => {
    let done = false;
    let usage: Usage | undefined;
    let sawDone = false;
    let sawFirst = false;
    let upstreamError: string | undefined;
    const splitter = new SseDataSplitter();
    /** With dropUsageChunk: the events of one upstream chunk, re-written, sent in one write. */
    let rewritten = '';

    function onEvent(data: string): void {
      if (data === '[DONE]') {
        sawDone = true;
        if (options.dropUsageChunk) rewritten += 'data: [DONE]\n\n';
        return;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch {
        if (options.dropUsageChunk) rewritten += `data: ${options.scrub(data)}\n\n`;
        return;
      }
      if (typeof chunk !== 'object' || chunk === null) return;
      const c = chunk as Record<string, unknown>;
      const isUsageOnly = Array.isArray(c.choices) && c.choices.length === 0 && c.usage !== undefined && c.usage !== null;
      if (c.usage && typeof c.usage === 'object') usage = c.usage as Usage;
      if (c.error !== undefined) upstreamError = describe(c.error);
      if (options.dropUsageChunk && !isUsageOnly) rewritten += `data: ${options.scrub(data)}\n\n`;
      options.onEvent?.(c);
      const produced = countContent(c.choices);
      if (produced > 0) {
        if (!sawFirst) {
          sawFirst = true;
          options.onFirstToken();
        }
        options.onTokens(produced);
      }
    }

    const idle = setTimeout(() => fail(`no event for ${options.idleTimeoutMs} ms`), options.idleTimeoutMs);

    const finish = (result: StreamRelayResult): void => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      options.clientGone.removeEventListener('abort', onClientGone);
      resolve(result);
    };

    function write(chunk: Buffer): void {
      if (!res.write(chunk)) {
        response.pause();
        res.once('drain', () => response.resume());
      }
    }

    function fail(detail: string): void {
      if (done) return;
      options.request.destroy();
      if (!splitter.atEventBoundary) res.write('\n\n');
      res.end(errorEvent(options.label, detail));
      finish({ ok: false, cancelled: false, usage, error: `${options.label} stopped mid-stream: ${detail}` });
    }

    function onClientGone(): void {
      options.request.destroy();
      finish({ ok: false, cancelled: true, usage, error: 'The client closed the connection.' });
    }
    options.clientGone.addEventListener('abort', onClientGone, { once: true });

    function onData(chunk: Buffer): void {
      if (done) return;
      idle.refresh();
      if (!options.dropUsageChunk) write(chunk);
      splitter.push(chunk, onEvent);
      if (rewritten !== '') {
        write(Buffer.from(rewritten));
        rewritten = '';
      }
    }

    response.on('data', onData);
    response.on('end', () => {
      if (done) return;
      if (!sawDone && !sawFirst) {
        fail('the stream ended without an answer');
        return;
      }
      res.end();
      finish({ ok: sawDone && upstreamError === undefined, cancelled: false, usage, error: upstreamError ?? (sawDone ? undefined : 'the stream ended without [DONE]') });
    });
    response.on('error', () => undefined);
    response.on('close', () => {
      if (done || response.complete) return;
      if (sawDone) {
        res.end();
        finish({ ok: upstreamError === undefined, cancelled: false, usage, error: upstreamError });
        return;
      }
      fail('the connection closed before the stream ended');
    });
    onData(options.first);
    response.resume();
  });
}

function countContent(choices: unknown): number {
  if (!Array.isArray(choices)) return 0;
  let n = 0;
  for (const choice of choices) {
    if (typeof choice !== 'object' || choice === null) continue;
    const c = choice as { text?: unknown; delta?: Record<string, unknown> };
    if (typeof c.text === 'string' && c.text.length > 0) n++;
    else if (c.delta && ((typeof c.delta.content === 'string' && c.delta.content.length > 0) || (Array.isArray(c.delta.tool_calls) && c.delta.tool_calls.length > 0) || (typeof c.delta.reasoning_content === 'string' && c.delta.reasoning_content.length > 0))) n++;
  }
  return n;
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return 'upstream error';
}

/** The last event of a stream that broke. No `[DONE]` follows it. */
export function errorEvent(label: string, detail: string): string {
  return `data: ${JSON.stringify({
    error: {
      message: `${label} stopped while streaming: ${detail}. The answer above is incomplete; Homeport does not switch targets once an answer has started.`,
      type: 'server_error',
      param: null,
      code: 'upstream_disconnected',
    },
  })}\n\n`;
}
