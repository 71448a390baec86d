/**
 * How the Responses and Anthropic surfaces reach a model: they translate their
 * request into a chat completion and hand it, in process, to the gateway's own
 * /v1/chat/completions handler, so routing, the cache, the request log, the
 * app key's attribution and model allowlist, `x-homeport-*` headers and
 * cancellation are exactly those of a chat request, without a second HTTP hop.
 *
 * The surface request itself has already passed the gateway's guards (Host/
 * Origin, app key); the chat request made here inherits what the app-key guard
 * decided for it (the app's name and its key's model allowlist) rather than
 * passing the guards again. The in-memory request carries the headers the chat
 * handler reads and the body already built (body.ts PREPARED_BODY: the object
 * and its bytes, so the handler neither streams nor parses it again; the bytes
 * are what a runtime is sent); the in-memory response (in-memory-response.ts)
 * collects status and headers and hands the JSON body or the event stream back.
 */
import { Readable } from 'node:stream';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { APP_NAME_HEADER, inheritAppKey } from '../app-key-guard.js';
import { PREPARED_BODY, type JsonBody } from '../body.js';
import { InMemoryResponse } from './in-memory-response.js';
import { SseDataSplitter } from '../sse.js';
import { rememberParsedBody } from '../usage.js';

export type ChatBody = Record<string, unknown>;

/** A chat completion's answer: one JSON object, or the chunks of a stream. */
export type ChatReply =
  | { readonly kind: 'json'; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: Record<string, unknown> }
  | { readonly kind: 'stream'; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly chunks: AsyncIterable<ChatStreamItem> };

/** A stream item: a chunk, or an error event the gateway sent instead of more chunks. */
export type ChatStreamItem = { readonly kind: 'chunk'; readonly chunk: Record<string, unknown> } | { readonly kind: 'error'; readonly error: { message: string; type?: string; code?: string | null } };

export interface ChatSendOptions {
  /** The surface request (already through the gateway's guards): its app, key and identifying headers carry over. */
  readonly client: IncomingMessage;
  /** Which API the request came in through, e.g. `anthropic` (sent as `x-homeport-surface`). */
  readonly surface: string;
  /**
   * The surface's own response: closing before it finished is the client going away, which cancels the chat
   * request and with it the upstream call. (Watched with one 'close' listener: cheaper than an AbortSignal.)
   */
  readonly clientResponse: ServerResponse;
  /** Headers set on the chat request over the client's, e.g. `cache-control: no-store`. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ChatClient {
  send(body: ChatBody, options: ChatSendOptions): Promise<ChatReply>;
}

/**
 * The gateway's chat-completions handler as the surfaces call it. It answers
 * every outcome, errors included, on `res` (it never rejects).
 */
export type ChatDispatch = (req: IncomingMessage, res: ServerResponse) => void;

/** The surfaces' chat client; the gateway connects its chat handler once it has built it. */
export interface InProcessChatClient extends ChatClient {
  connect(dispatch: ChatDispatch): void;
}

/** Headers of the app's own request that travel with the translated one. */
const FORWARDED = ['user-agent', 'cache-control', 'x-homeport-tier', APP_NAME_HEADER] as const;
/** Headers of the chat answer the surface passes back to its client: these, and every `x-homeport-*`. */
const RETURNED = new Set(['server-timing', 'retry-after']);
const CHAT_PATH = '/v1/chat/completions';

export function createInProcessChatClient(): InProcessChatClient {
  let dispatch: ChatDispatch | undefined;
  return {
    connect(next) {
      dispatch = next;
    },
    async send(body, { client, clientResponse, surface, headers: overrides }) {
      if (dispatch === undefined) throw new Error('The API surfaces are not connected to a gateway.');
      if (clientResponse.destroyed) throw new Error('The client went away.');
      const prepared: JsonBody = { json: body, raw: Buffer.from(JSON.stringify(body)) };
      const headers: IncomingHttpHeaders = { 'content-type': 'application/json', 'content-length': String(prepared.raw.length), 'x-homeport-surface': surface };
      for (const name of FORWARDED) {
        const value = client.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      if (overrides !== undefined) Object.assign(headers, overrides);
      const req = new InMemoryRequest(prepared, headers, client.socket) as unknown as IncomingMessage;
      inheritAppKey(client, req);
      const res = new InMemoryResponse();
      const cancel = { cancelled: false };
      const onClose = (): void => {
        if (clientResponse.writableFinished) return;
        cancel.cancelled = true;
        res.destroy();
      };
      clientResponse.once('close', onClose);
      dispatch(req, res as unknown as ServerResponse);
      if (body.stream === true) {
        await res.head;
        const contentType = res.getHeader('content-type');
        if (res.statusCode === 200 && typeof contentType === 'string' && contentType.startsWith('text/event-stream')) {
          return { kind: 'stream', status: 200, headers: pickHeaders(res), chunks: readChunks(res, cancel, () => clientResponse.off('close', onClose)) };
        }
      }
      // A whole answer: its end settles collect() (the head is final by then).
      const bytes = await res.collect();
      clientResponse.off('close', onClose);
      if (cancel.cancelled) throw new Error('The client went away.');
      const text = bytes.toString('utf8');
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
        // The gateway reads the answer's usage from these same bytes once it has been sent: this parse serves it.
        rememberParsedBody(bytes, parsed);
      } catch {
        parsed = { error: { message: text || `the chat endpoint answered ${res.statusCode}${res.destroyed ? ' and broke off' : ''}`, type: 'server_error', code: null } };
      }
      return { kind: 'json', status: res.statusCode, headers: pickHeaders(res), body: parsed };
    },
  };
}

/**
 * A request the chat handler reads like a client's: headers, method, path, and the body, prepared (readJsonBody
 * takes it without reading) and also as a stream for any other reader.
 */
class InMemoryRequest extends Readable {
  readonly method = 'POST';
  readonly url = CHAT_PATH;
  readonly httpVersion = '1.1';
  readonly complete = true;
  readonly [PREPARED_BODY]: JsonBody;

  constructor(
    prepared: JsonBody,
    readonly headers: IncomingHttpHeaders,
    /** The surface client's socket: its address is the one the chat request came from. */
    readonly socket: IncomingMessage['socket'],
  ) {
    super();
    this[PREPARED_BODY] = prepared;
  }

  override _read(): void {
    this.push(this[PREPARED_BODY].raw);
    this.push(null);
  }
}

function pickHeaders(res: InMemoryResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { value }] of res.headerMap) {
    if (name.startsWith('x-homeport-') || RETURNED.has(name)) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/**
 * The chat answer's event stream -> chunks, until `[DONE]`; an `error` payload
 * becomes an error item. Stopping early (the surface's client left) cancels
 * the chat request.
 */
async function* readChunks(res: InMemoryResponse, cancel: { readonly cancelled: boolean }, done: () => void): AsyncGenerator<ChatStreamItem> {
  const splitter = new SseDataSplitter();
  const events: string[] = [];
  const collect = (data: string): void => {
    events.push(data);
  };
  /** The gateway said its last word ([DONE] or an error event); what may follow is only the end. */
  let complete = false;
  try {
    for await (const piece of res.pieces()) {
      splitter.push(piece, collect);
      for (let i = 0; i < events.length; i++) {
        const data = events[i]!;
        if (data === '[DONE]') {
          complete = true;
          return;
        }
        let chunk: Record<string, unknown>;
        try {
          chunk = JSON.parse(data) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (chunk.error !== undefined && chunk.choices === undefined) {
          complete = true;
          yield { kind: 'error', error: chunk.error as { message: string; type?: string; code?: string | null } };
          return;
        }
        yield { kind: 'chunk', chunk };
      }
      events.length = 0;
    }
    // Cancelled by the surface's client: nobody is left to tell.
    if (cancel.cancelled) return;
    // The stream ended without [DONE]: the answer broke off.
    complete = true;
    yield { kind: 'error', error: { message: 'The model stream ended before it was complete.', type: 'server_error', code: 'stream_incomplete' } };
  } finally {
    done();
    // Stopped before the end (the surface's client went away): cancel the chat request and its upstream call.
    if (!complete) res.destroy();
    else res.discardRest();
  }
}
