/**
 * One try of one target: send the request and wait for the start of its
 * answer, without writing anything to the client. The router decides from
 * the result whether to answer, retry, or move on:
 *
 * - `error`: no answer (connection refused or reset, time to first byte over the limit);
 * - `whole`: a complete body (every non-stream answer and every error status) — the
 *   client has seen nothing yet, so even a body cut short can still fail over;
 * - `stream`: a 2xx event stream whose first bytes arrived; from here on the
 *   router commits to this target and relays the rest;
 * - `aborted`: the client went away.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { callUpstream, type UpstreamAddress, type UpstreamCall } from '../gateway/upstream-call.js';
import type { ClientGone } from './client-gone.js';
import { roundMs } from './server-timing.js';

export interface TryOptions {
  readonly address: UpstreamAddress;
  readonly dispatcher: Dispatcher;
  /** The OpenAI path after the base, e.g. `/chat/completions` for a `/v1` base. */
  readonly path: string;
  readonly body: Buffer;
  readonly accept?: string;
  readonly stream: boolean;
  readonly firstByteTimeoutMs: number;
  readonly clientGone: ClientGone;
}

/** What reads the rest of a committed stream. */
export interface BodySink {
  data(chunk: Buffer): void;
  end(): void;
  /** The connection closed before the answer ended. */
  broke(): void;
}

/**
 * The rest of a stream after its first chunk. The call stays paused until a
 * sink attaches, and whatever happened meanwhile (the connection closing) is
 * handed to the sink when it does.
 */
export class UpstreamBody {
  #sink: BodySink | undefined;
  #pending: Array<{ readonly chunk?: Buffer; readonly end?: true; readonly broke?: true }> = [];

  constructor(private readonly call: UpstreamCall) {}

  attach(sink: BodySink): void {
    for (const event of this.#pending) {
      if (event.chunk) sink.data(event.chunk);
      else if (event.end) sink.end();
      else sink.broke();
    }
    this.#pending = [];
    this.#sink = sink;
    this.call.resume();
  }

  pause(): void {
    this.call.pause();
  }

  resume(): void {
    this.call.resume();
  }

  /** Cancels the upstream request; the sink hears nothing more. */
  abort(): void {
    this.call.abort();
  }

  /** @internal */
  data(chunk: Buffer): void {
    if (this.#sink) this.#sink.data(chunk);
    else this.#pending.push({ chunk });
  }

  /** @internal */
  end(): void {
    if (this.#sink) this.#sink.end();
    else this.#pending.push({ end: true });
  }

  /** @internal */
  broke(): void {
    if (this.#sink) this.#sink.broke();
    else this.#pending.push({ broke: true });
  }
}

export type TryResult =
  | { readonly kind: 'error'; readonly reason: string; readonly timeout: boolean; readonly ms: number }
  | { readonly kind: 'aborted'; readonly ms: number }
  | { readonly kind: 'whole'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer; readonly ms: number }
  | { readonly kind: 'stream'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: UpstreamBody; readonly first: Buffer; readonly ms: number };

/** Largest error or non-stream body read before failing (64 MiB; embeddings can be large). */
const MAX_WHOLE_BYTES = 64 * 1024 * 1024;

export function tryUpstream(options: TryOptions): Promise<TryResult> {
  const { address, clientGone } = options;
  const t0 = performance.now();
  const ms = () => roundMs(performance.now() - t0);

  return new Promise<TryResult>((resolve) => {
    let settled = false;

    /** Phase of the answer: none yet, a stream waiting for its first chunk, a stream handed over, or a whole body. */
    let phase: 'none' | 'first' | 'stream' | 'whole' = 'none';
    let status = 502;
    let answerHeaders: IncomingHttpHeaders = {};
    let body: UpstreamBody | undefined;
    const chunks: Buffer[] = [];
    let size = 0;

    function settle(result: TryResult, keepCall = false): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clientGone.off(onAbort);
      if (!keepCall) call?.abort();
      resolve(result);
    }
    function onAbort(): void {
      settle({ kind: 'aborted', ms: ms() });
    }
    if (clientGone.aborted) {
      resolve({ kind: 'aborted', ms: 0 });
      return;
    }
    clientGone.on(onAbort);
    const timer = setTimeout(() => {
      settle({ kind: 'error', reason: `no answer within ${options.firstByteTimeoutMs} ms`, timeout: true, ms: ms() });
    }, options.firstByteTimeoutMs);

    // Declared first: a request undici cannot even send fails inside `callUpstream`, before it returns.
    let call: UpstreamCall | undefined = undefined;
    call = callUpstream(
      options.dispatcher,
      { address, path: options.path, body: options.body, accept: options.accept },
      {
        start(code, received) {
          status = code;
          answerHeaders = received;
          const contentType = received['content-type'];
          const isStream = options.stream && code < 300 && typeof contentType === 'string' && contentType.startsWith('text/event-stream');
          phase = isStream ? 'first' : 'whole';
        },
        data(chunk) {
          if (phase === 'first') {
            call!.pause();
            phase = 'stream';
            body = new UpstreamBody(call!);
            settle({ kind: 'stream', status, headers: answerHeaders, body, first: chunk, ms: ms() }, true);
            return;
          }
          if (phase === 'stream') {
            body!.data(chunk);
            return;
          }
          size += chunk.length;
          if (size > MAX_WHOLE_BYTES) {
            settle({ kind: 'error', reason: `the answer is over ${MAX_WHOLE_BYTES} bytes`, timeout: false, ms: ms() });
            return;
          }
          chunks.push(chunk);
        },
        end() {
          if (phase === 'stream') body!.end();
          else settle({ kind: 'whole', status, headers: answerHeaders, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), ms: ms() });
        },
        fail(err) {
          if (phase === 'stream') {
            body!.broke();
            return;
          }
          const reason = phase === 'none' ? (err.code ?? err.message) : phase === 'first' ? 'the connection closed before the answer began' : 'the connection closed before the answer ended';
          settle({ kind: 'error', reason, timeout: false, ms: ms() });
        },
      },
    );
  });
}
