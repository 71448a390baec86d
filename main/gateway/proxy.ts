import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { RequestMeter } from '../metrics/types.js';
import type { RuntimeEndpoint } from '../runtimes/types.js';
import { GatewayError, sendError } from './errors.js';
import { endsWithDone, StreamTally, runtimeDisconnectedEvent } from './sse.js';
import { readUsage } from './usage.js';
import { unservedMessage } from '../runtimes/external/unserved-endpoint.js';
import { callUpstream, endpointAddress, type UpstreamCall } from './upstream-call.js';
import { openAIErrorBody, runtimeErrorMessage } from './runtime-error.js';
import type { ModelEcho } from './model-echo.js';
import { performance } from 'node:perf_hooks';
import { roundMs, SERVER_TIMING, timingHeader } from '../routing/server-timing.js';

export interface ForwardOptions {
  /** Keep-alive connections to the runtimes, shared by every request of one gateway (upstream-call.ts). */
  readonly dispatcher: Dispatcher;
  readonly endpoint: RuntimeEndpoint;
  /** The OpenAI path, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** The exact bytes to send. */
  readonly body: Buffer;
  /** The client's `Accept` header, if any. */
  readonly accept: string | undefined;
  readonly runtimeId: string;
  /** The client asked for `stream: true`. */
  readonly stream: boolean;
  /** The client's response; its closing before it finished (the client went away) aborts the upstream request. */
  readonly res: ServerResponse;
  readonly meter: RequestMeter;
  /**
   * For a runtime's 400/404/501: what to change in Homeport so the endpoint is served (unserved-endpoint.ts),
   * or null. With advice the client gets an OpenAI-shaped error carrying the runtime's message and the advice.
   */
  readonly advise?: (status: number, body: string) => string | null;
  /** Puts the model name the client asked for back into a successful answer (model-echo.ts), when the runtime knows it by another. */
  readonly echo?: ModelEcho | null;
  /**
   * For the answer's `Server-Timing` (routing, upstream): how long finding the model took, and who hears the
   * time from sending to the runtime's first answer bytes (the request log's trace).
   */
  readonly timing?: { readonly routingMs: number; readonly onUpstream?: (upstreamMs: number) => void };
}

function errorCode(err: NodeJS.ErrnoException): string {
  return err.code ? `${err.code} (${err.message})` : err.message;
}

/** A kept-alive connection the runtime closed just as it was reused: worth one more try on a fresh one. */
function isStaleConnection(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET' || err.code === 'UND_ERR_SOCKET' || err.code === 'EPIPE';
}

/**
 * Sends one request to a ready runtime and relays its answer to the client.
 * Never throws: every outcome ends the client response and finishes the meter.
 *
 * - Streams are written through chunk by chunk as they arrive, pausing the
 *   upstream when the client is slow, and tallied for metrics after each write.
 * - Other successful answers are relayed as they arrive with their status and
 *   content type; usage is read after the response is sent.
 * - Error answers are read whole and sent in OpenAI's shape (runtime-error.ts).
 * - The client going away aborts the upstream request at once.
 * - The runtime going away mid-stream ends the stream with an error event and
 *   no `[DONE]`; before any answer it is a 502.
 */
export function forwardToRuntime(options: ForwardOptions): void {
  const { res, meter, endpoint } = options;
  const echo = options.echo ?? null;
  let current: UpstreamCall | undefined;
  let finished = false;

  const finish = (result: Parameters<RequestMeter['finish']>[0]): void => {
    if (finished) return;
    finished = true;
    res.off('close', onClose);
    meter.finish(result);
  };

  // One 'close' listener on the response (cheaper per request than an AbortSignal and its listeners).
  function onClose(): void {
    if (res.writableFinished) return;
    current?.abort();
    finish({ status: 499, error: 'The client closed the connection.' });
  }
  if (res.destroyed) {
    finish({ status: 499, error: 'The client closed the connection.' });
    return;
  }
  res.on('close', onClose);

  const request = { address: endpointAddress(endpoint), path: options.path, body: options.body, accept: options.accept };

  const sentAt = performance.now();
  send(false);
  meter.forwarded();

  function send(isRetry: boolean): void {
    let answer: Answer | undefined;
    const call = callUpstream(options.dispatcher, request, {
      start(status, upstreamHeaders) {
        if (finished) {
          call.abort();
          return;
        }
        if (options.timing !== undefined) {
          const upstreamMs = roundMs(performance.now() - sentAt);
          res.setHeader(SERVER_TIMING, timingHeader(options.timing.routingMs, undefined, upstreamMs));
          options.timing.onUpstream?.(upstreamMs);
        }
        answer = startAnswer(call, status, upstreamHeaders);
      },
      data(chunk) {
        answer?.data(chunk);
      },
      end() {
        answer?.end();
      },
      fail(err) {
        if (answer !== undefined) {
          answer.broke();
          return;
        }
        if (finished) return;
        if (!isRetry && isStaleConnection(err)) {
          send(true);
          return;
        }
        const failure = new GatewayError({
          status: 502,
          code: 'runtime_unreachable',
          message: `Homeport could not reach the runtime ${options.runtimeId}: ${errorCode(err)}. It may have just stopped; check Homeport's runtime logs and try again.`,
        });
        sendError(res, failure);
        finish({ status: 502, error: failure.message });
      },
    });
    current = call;
  }

  function startAnswer(call: UpstreamCall, status: number, upstreamHeaders: IncomingHttpHeaders): Answer {
    const contentType = headerText(upstreamHeaders['content-type']);
    const isEventStream = options.stream && status < 300 && contentType?.startsWith('text/event-stream') === true;
    if (isEventStream) return streamAnswer(call, status);
    if (status >= 400) return errorAnswer(status, upstreamHeaders);
    return wholeAnswer(call, status, contentType, upstreamHeaders);
  }

  /** Write with backpressure: pause the upstream while the client's buffer is full. */
  function pipeChunk(call: UpstreamCall, chunk: Buffer): void {
    if (!res.write(chunk)) {
      call.pause();
      res.once('drain', () => call.resume());
    }
  }

  function streamAnswer(call: UpstreamCall, status: number): Answer {
    res.writeHead(status, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const tally = new StreamTally(meter);
    /** The client's response was ended with the chunk that carried `[DONE]` (one write for both). */
    let ended = false;
    return {
      data(chunk) {
        if (finished || ended) return;
        const out = echo === null ? chunk : echo.push(chunk);
        if (endsWithDone(chunk)) {
          tally.push(chunk);
          if (tally.sawDone && tally.atEventBoundary) {
            ended = true;
            res.end(out);
          } else pipeChunk(call, out);
          return;
        }
        if (out.length > 0) pipeChunk(call, out);
        tally.push(chunk);
      },
      end() {
        if (finished) return;
        if (!ended) res.end(echo?.flush());
        finish({ status, usage: tally.usage, error: tally.upstreamError });
      },
      broke() {
        if (finished) return;
        if (tally.sawDone) {
          // Everything the client needs already passed; the runtime just hung up early.
          if (!ended) res.end();
          finish({ status, usage: tally.usage });
          return;
        }
        const detail = 'the connection closed before the stream ended';
        const kept = echo?.flush();
        if (kept !== undefined) res.write(kept);
        if (!tally.atEventBoundary) res.write('\n\n');
        res.end(runtimeDisconnectedEvent(options.runtimeId, detail));
        finish({ status: 502, usage: tally.usage, error: `runtime disconnected: ${detail}` });
      },
    };
  }

  /**
   * An error is small: read it whole, then answer in OpenAI's shape (runtime-error.ts) — or, for a runtime
   * refusing the endpoint itself (400/404/501 with advice), say what to change in Homeport.
   */
  function errorAnswer(status: number, upstreamHeaders: IncomingHttpHeaders): Answer {
    const chunks: Buffer[] = [];
    return {
      data(chunk) {
        if (chunks.length < 64) chunks.push(chunk);
      },
      end() {
        if (finished) return;
        const body = Buffer.concat(chunks);
        const advice = options.advise !== undefined && (status === 400 || status === 404 || status === 501) ? options.advise(status, body.toString('utf8')) : null;
        if (advice === null) {
          const payload = openAIErrorBody(status, body);
          const out: OutgoingHttpHeaders = { 'Content-Type': 'application/json', 'Content-Length': payload.length };
          const retryAfter = upstreamHeaders['retry-after'];
          if (retryAfter !== undefined) out['Retry-After'] = retryAfter;
          res.writeHead(status, out);
          res.end(payload);
          finish({ status, error: `runtime answered ${status}` });
          return;
        }
        const said = runtimeErrorMessage(body.toString('utf8'));
        const failure = new GatewayError({ status, code: 'endpoint_not_served', message: unservedMessage(options.runtimeId, said, advice) });
        sendError(res, failure);
        finish({ status, error: failure.message });
      },
      broke() {
        if (finished) return;
        sendError(res, new GatewayError({ status: 502, code: 'runtime_unreachable', message: `The runtime ${options.runtimeId} closed the connection before its answer ended.` }));
        finish({ status: 502, error: 'runtime disconnected before the response ended' });
      },
    };
  }

  /** A successful answer that is not a stream, relayed as it arrives. */
  function wholeAnswer(call: UpstreamCall, status: number, contentType: string | undefined, upstreamHeaders: IncomingHttpHeaders): Answer {
    const out: OutgoingHttpHeaders = { 'Content-Type': contentType ?? 'application/json' };
    // A renamed model changes the body's length: then it goes out chunked.
    const rewrite = echo !== null && status < 300 ? echo : null;
    const length = upstreamHeaders['content-length'];
    if (length !== undefined && rewrite === null) out['Content-Length'] = length;
    res.writeHead(status, out);
    meter.firstToken();

    const chunks: Buffer[] = [];
    return {
      data(chunk) {
        if (finished) return;
        const sent = rewrite === null ? chunk : rewrite.push(chunk);
        if (sent.length > 0) pipeChunk(call, sent);
        chunks.push(chunk);
      },
      end() {
        if (finished) return;
        res.end(rewrite?.flush());
        // Reading usage happens after the client has its answer.
        setImmediate(() => {
          const usage = readUsage(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
          finish({ status, usage });
        });
      },
      broke() {
        if (finished) return;
        // The body is cut short and its status already sent: the only honest signal is to cut the client off too.
        res.destroy();
        finish({ status: 502, error: 'runtime disconnected before the response ended' });
      },
    };
  }
}

/** How one started answer is relayed: its chunks, its end, or its breaking off. */
interface Answer {
  data(chunk: Buffer): void;
  end(): void;
  broke(): void;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
