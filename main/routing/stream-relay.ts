/**
 * Relays the rest of an event stream the router committed to. Bytes go to the
 * client as they arrive (with backpressure, one write per upstream chunk),
 * then are split into events (SseDataSplitter: indexOf, no
 * general SSE parser) and read to count tokens, keep the usage and feed the
 * cache's assembler (readEvent: plain token events without JSON.parse). The
 * chunk that ends with `[DONE]` also ends the client's response, in the same
 * write. The one rewrite: when the router asked the upstream for a usage
 * chunk the client did not ask for, that chunk is left out (the chunk's other
 * events are then re-written and sent together in one write).
 *
 * Once streaming has started there is no failover: an upstream that goes
 * away, or stays silent longer than the idle timeout, ends the stream with an
 * OpenAI-shaped error event and no `[DONE]`.
 */
import type { ServerResponse } from 'node:http';
import { endsWithDone, parseEvent, readEvent, SseDataSplitter } from '../gateway/sse.js';
import type { Usage } from '../metrics/types.js';
import type { ClientGone } from './client-gone.js';
import type { UpstreamBody } from './upstream.js';
import type { ModelEcho } from '../gateway/model-echo.js';

export interface StreamRelayOptions {
  readonly res: ServerResponse;
  /** The rest of the upstream's answer after `first`. */
  readonly body: UpstreamBody;
  readonly first: Buffer;
  readonly idleTimeoutMs: number;
  readonly clientGone: ClientGone;
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
  /** A local runtime's own model name turned back into the client's (model-echo.ts); not combined with dropUsageChunk. */
  readonly echo?: ModelEcho | null;
}

export interface StreamRelayResult {
  /** The stream ended with `[DONE]` (or a clean end after content). */
  readonly ok: boolean;
  readonly cancelled: boolean;
  readonly usage?: Usage;
  readonly error?: string;
}

/** `data: [DONE]` and its blank line. */
const DONE_TAIL = 'data: [DONE]\n\n';

export function relayStream(options: StreamRelayOptions): Promise<StreamRelayResult> {
  const { res, body } = options;
  const echo = options.echo ?? null;
  const read = options.onEvent ? parseEvent : readEvent;
  return new Promise<StreamRelayResult>((resolve) => {
    let done = false;
    let usage: Usage | undefined;
    let sawDone = false;
    let sawFirst = false;
    /** The client's response was ended with the `[DONE]` chunk. */
    let ended = false;
    let upstreamError: string | undefined;
    const splitter = new SseDataSplitter();
    /** With dropUsageChunk: the events of one upstream chunk, re-written, sent in one write. */
    let rewritten = '';

    function onEvent(data: string): void {
      const facts = read(data);
      if (facts.done) {
        sawDone = true;
        if (options.dropUsageChunk) rewritten += 'data: [DONE]\n\n';
        return;
      }
      const c = facts.parsed;
      if (c !== null) {
        if (c.usage && typeof c.usage === 'object') usage = c.usage as Usage;
        if (c.error !== undefined) upstreamError = describe(c.error);
        options.onEvent?.(c);
      }
      if (options.dropUsageChunk) {
        const isUsageOnly = c !== null && Array.isArray(c.choices) && c.choices.length === 0 && c.usage !== undefined && c.usage !== null;
        if (!isUsageOnly) rewritten += `data: ${options.scrub(data)}\n\n`;
      }
      if (facts.tokens > 0) {
        if (!sawFirst) {
          sawFirst = true;
          options.onFirstToken();
        }
        options.onTokens(facts.tokens);
      }
    }

    const idle = setTimeout(() => fail(`no event for ${options.idleTimeoutMs} ms`), options.idleTimeoutMs);

    const finish = (result: StreamRelayResult): void => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      options.clientGone.off(onClientGone);
      resolve(result);
    };

    /**
     * One write per upstream chunk. Node sends it at the end of this tick, so
     * chunks that arrived in one read of the upstream socket go out in one
     * syscall too (sending each at once measured 2× the writes on a fast stream).
     */
    function write(chunk: Buffer | string): void {
      if (!res.write(chunk)) {
        body.pause();
        res.once('drain', () => body.resume());
      }
    }

    function fail(detail: string): void {
      if (done) return;
      body.abort();
      if (ended) {
        // The client has its whole answer ([DONE] passed); only the upstream's end never came.
        finish({ ok: upstreamError === undefined, cancelled: false, usage, error: upstreamError });
        return;
      }
      const kept = echo?.flush();
      if (kept !== undefined) res.write(kept);
      if (!splitter.atEventBoundary) res.write('\n\n');
      res.end(errorEvent(options.label, detail));
      finish({ ok: false, cancelled: false, usage, error: `${options.label} stopped mid-stream: ${detail}` });
    }

    function onClientGone(): void {
      body.abort();
      finish({ ok: false, cancelled: true, usage, error: 'The client closed the connection.' });
    }
    if (options.clientGone.aborted) {
      onClientGone();
      return;
    }
    options.clientGone.on(onClientGone);

    function onData(chunk: Buffer): void {
      if (done || ended) return;
      idle.refresh();
      if (options.dropUsageChunk) {
        splitter.push(chunk, onEvent);
        if (rewritten !== '') {
          const text = rewritten;
          rewritten = '';
          if (sawDone && splitter.atEventBoundary && text.endsWith(DONE_TAIL)) endWith(text);
          else write(text);
        }
        return;
      }
      const out = echo === null ? chunk : echo.push(chunk);
      if (endsWithDone(chunk)) {
        // Read first: the chunk ends the client's response only if it really carried `[DONE]` as a whole event.
        splitter.push(chunk, onEvent);
        if (sawDone && splitter.atEventBoundary) endWith(out);
        else write(out);
        return;
      }
      if (out.length > 0) write(out);
      splitter.push(chunk, onEvent);
    }

    /** The last chunk and the end of the response in one write; the upstream's own end then only settles the result. */
    function endWith(chunk: Buffer | string): void {
      ended = true;
      res.end(chunk);
    }

    onData(options.first);
    if (done) return;
    body.attach({
      data: onData,
      end() {
        if (done) return;
        if (!sawDone && !sawFirst) {
          fail('the stream ended without an answer');
          return;
        }
        if (!ended) res.end(echo?.flush());
        finish({ ok: sawDone && upstreamError === undefined, cancelled: false, usage, error: upstreamError ?? (sawDone ? undefined : 'the stream ended without [DONE]') });
      },
      broke() {
        if (done) return;
        if (sawDone) {
          if (!ended) res.end(echo?.flush());
          finish({ ok: upstreamError === undefined, cancelled: false, usage, error: upstreamError });
          return;
        }
        fail('the connection closed before the stream ended');
      },
    });
  });
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
