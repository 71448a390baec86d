import http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestMeter } from '../metrics/types.js';
import type { RuntimeEndpoint } from '../runtimes/types.js';
import { GatewayError, sendError } from './errors.js';
import { endsWithDone, StreamTally, runtimeDisconnectedEvent } from './sse.js';
import { readUsage } from './usage.js';
import { unservedMessage } from '../runtimes/external/unserved-endpoint.js';

/** Keep-alive connections to the runtimes, shared by every request of one gateway. */
export function createUpstreamAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo', noDelay: true });
}

export interface ForwardOptions {
  readonly agent: http.Agent;
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
  /** The client's response; its closing before it finished (the client went away) destroys the upstream request. */
  readonly res: ServerResponse;
  readonly meter: RequestMeter;
  /**
   * For a runtime's 400/404/501: what to change in Homeport so the endpoint is served (unserved-endpoint.ts),
   * or null. With advice the client gets an OpenAI-shaped error carrying the runtime's message and the advice.
   */
  readonly advise?: (status: number, body: string) => string | null;
}

/** Any path in the endpoint's base URL (usually none), cached per endpoint object. */
const basePaths = new WeakMap<RuntimeEndpoint, string>();

function upstreamPath(endpoint: RuntimeEndpoint, path: string): string {
  let base = basePaths.get(endpoint);
  if (base === undefined) {
    base = new URL(endpoint.baseUrl).pathname.replace(/\/+$/, '');
    basePaths.set(endpoint, base);
  }
  return base + path;
}

function errorCode(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${code} (${err.message})` : err.message;
}

/**
 * Sends one request to a ready runtime and relays its answer to the client.
 * Never throws: every outcome ends the client response and finishes the meter.
 *
 * - Streams are written through chunk by chunk as they arrive, pausing the
 *   upstream when the client is slow, and tallied for metrics after each write.
 * - Everything else (non-stream answers, upstream HTTP errors) is relayed with
 *   its status and content type; usage is read after the response is sent.
 * - The client going away destroys the upstream request at once.
 * - The runtime going away mid-stream ends the stream with an error event and
 *   no `[DONE]`; before any answer it is a 502.
 */
export function forwardToRuntime(options: ForwardOptions): void {
  const { res, meter, endpoint } = options;
  let current: http.ClientRequest | undefined;
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
    current?.destroy();
    finish({ status: 499, error: 'The client closed the connection.' });
  }
  if (res.destroyed) {
    finish({ status: 499, error: 'The client closed the connection.' });
    return;
  }
  res.on('close', onClose);

  const headers: OutgoingHttpHeaders = {
    ...endpoint.headers,
    'content-type': 'application/json',
    'content-length': options.body.length,
  };
  if (options.accept !== undefined) headers.accept = options.accept;
  const path = upstreamPath(endpoint, options.path);

  send(false);
  meter.forwarded();

  function send(isRetry: boolean): void {
    const upstreamReq = http.request({
      agent: options.agent,
      hostname: endpoint.hostname,
      port: endpoint.port,
      method: 'POST',
      path,
      headers,
    });
    current = upstreamReq;
    let answered = false;
    upstreamReq.on('response', (upstreamRes) => {
      answered = true;
      relay(upstreamRes);
    });
    upstreamReq.on('error', (err) => {
      if (answered || finished) return; // The response side reports its own end.
      // A kept-alive socket the runtime closed just as we reused it: try once on a fresh one.
      if (!isRetry && upstreamReq.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
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
    });
    upstreamReq.end(options.body);
  }

  function relay(upstreamRes: IncomingMessage): void {
    if (finished) {
      upstreamRes.destroy();
      return;
    }
    const status = upstreamRes.statusCode ?? 502;
    const contentType = upstreamRes.headers['content-type'];
    const isEventStream = options.stream && status < 300 && contentType?.startsWith('text/event-stream') === true;
    if (isEventStream) relayStream(upstreamRes, status);
    else relayWhole(upstreamRes, status, contentType);
  }

  /** Pipe with backpressure: pause the upstream while the client's buffer is full. */
  function pipeChunk(upstreamRes: IncomingMessage, chunk: Buffer): void {
    if (!res.write(chunk)) {
      upstreamRes.pause();
      res.once('drain', () => upstreamRes.resume());
    }
  }

  function relayStream(upstreamRes: IncomingMessage, status: number): void {
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

    upstreamRes.on('data', (chunk: Buffer) => {
      if (finished || ended) return;
      if (endsWithDone(chunk)) {
        tally.push(chunk);
        if (tally.sawDone && tally.atEventBoundary) {
          ended = true;
          res.end(chunk);
        } else pipeChunk(upstreamRes, chunk);
        return;
      }
      pipeChunk(upstreamRes, chunk);
      tally.push(chunk);
    });
    upstreamRes.on('end', () => {
      if (finished) return;
      if (!ended) res.end();
      finish({ status, usage: tally.usage, error: tally.upstreamError });
    });
    upstreamRes.on('error', () => {
      // Reported through 'close' below; the listener keeps the error from being unhandled.
    });
    upstreamRes.on('close', () => {
      if (finished || upstreamRes.complete) return;
      if (tally.sawDone) {
        // Everything the client needs already passed; the runtime just hung up early.
        if (!ended) res.end();
        finish({ status, usage: tally.usage });
        return;
      }
      const detail = 'the connection closed before the stream ended';
      if (!tally.atEventBoundary) res.write('\n\n');
      res.end(runtimeDisconnectedEvent(options.runtimeId, detail));
      finish({ status: 502, usage: tally.usage, error: `runtime disconnected: ${detail}` });
    });
  }

  /** A refusal is small: read it whole, add the advice if it is an "endpoint not served" one, then answer. */
  function relayRefusal(upstreamRes: IncomingMessage, status: number, contentType: string | undefined, advise: (status: number, body: string) => string | null): void {
    const chunks: Buffer[] = [];
    upstreamRes.on('data', (chunk: Buffer) => {
      if (chunks.length < 64) chunks.push(chunk);
    });
    upstreamRes.on('error', () => {
      // Reported through 'close' below.
    });
    upstreamRes.on('close', () => {
      if (finished) return;
      if (!upstreamRes.complete) {
        sendError(res, new GatewayError({ status: 502, code: 'runtime_unreachable', message: `The runtime ${options.runtimeId} closed the connection before its answer ended.` }));
        finish({ status: 502, error: 'runtime disconnected before the response ended' });
        return;
      }
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const advice = advise(status, text);
      if (advice === null) {
        res.writeHead(status, { 'Content-Type': contentType ?? 'application/json', 'Content-Length': body.length });
        res.end(body);
        finish({ status, error: `runtime answered ${status}` });
        return;
      }
      const said = runtimeMessage(text);
      const failure = new GatewayError({ status, code: 'endpoint_not_served', message: unservedMessage(options.runtimeId, said, advice) });
      sendError(res, failure);
      finish({ status, error: failure.message });
    });
  }

  function relayWhole(upstreamRes: IncomingMessage, status: number, contentType: string | undefined): void {
    if (options.advise !== undefined && (status === 400 || status === 404 || status === 501)) {
      relayRefusal(upstreamRes, status, contentType, options.advise);
      return;
    }
    const out: OutgoingHttpHeaders = { 'Content-Type': contentType ?? 'application/json' };
    const length = upstreamRes.headers['content-length'];
    if (length !== undefined) out['Content-Length'] = length;
    const retryAfter = upstreamRes.headers['retry-after'];
    if (retryAfter !== undefined) out['Retry-After'] = retryAfter;
    res.writeHead(status, out);
    meter.firstToken();

    const chunks: Buffer[] = [];
    upstreamRes.on('data', (chunk: Buffer) => {
      if (finished) return;
      pipeChunk(upstreamRes, chunk);
      chunks.push(chunk);
    });
    upstreamRes.on('end', () => {
      if (finished) return;
      res.end();
      // Reading usage happens after the client has its answer.
      setImmediate(() => {
        const usage = readUsage(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
        finish({ status, usage, error: status >= 400 ? `runtime answered ${status}` : undefined });
      });
    });
    upstreamRes.on('error', () => {
      // Reported through 'close' below.
    });
    upstreamRes.on('close', () => {
      if (finished || upstreamRes.complete) return;
      // The body is cut short and its status already sent: the only honest signal is to cut the client off too.
      res.destroy();
      finish({ status: 502, error: 'runtime disconnected before the response ended' });
    });
  }
}

/** The message inside a runtime's error body (OpenAI-shaped, or plain text). */
function runtimeMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'object' && typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: the text itself.
  }
  return text.trim().slice(0, 300);
}
