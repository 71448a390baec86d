/**
 * The contract over HTTP + server-sent events: the panel in a browser, served
 * by `homeport serve` from the engine's own origin (the control token rides in
 * an HttpOnly cookie). Scripts and tests pass `baseUrl` and `token` (sent as a
 * bearer header) and their own `fetch`.
 *
 * Subscriptions reconnect with backoff (1 s, 2 s, 4 s, 8 s, then every 10 s) and report it on
 * `connection`; a stream that ended after one of its final events (a finished
 * download) is not reopened.
 */
import {
  CALLS,
  STREAMS,
  SUBSCRIPTIONS,
  type CallName,
  type ConnectionState,
  type Result,
  type StreamName,
  type SubscriptionName,
  type Transport,
} from '../../preload/contract.js';
import { UNAUTHORIZED_HINT, bindCall, bindStream, bindSubscription, errorFrom, readEvents, toResult, unreachable, BindingError } from '../../preload/http-binding.js';
import { backoffDelay, createConnectionCell, type BackoffOptions } from './transport-connection.js';

export interface HttpTransportOptions {
  /** Origin of the engine, e.g. `http://127.0.0.1:4663`; '' (same origin) by default. */
  readonly baseUrl?: string;
  /** Sent as `Authorization: Bearer`; browsers use the cookie instead. */
  readonly token?: string;
  readonly fetch?: typeof fetch;
  readonly backoff?: BackoffOptions;
}

export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  const base = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const connection = createConnectionCell();

  const noteStatus = (status: number) => {
    if (status === 401) connection.set({ kind: 'unauthorized', message: `Homeport needs its control token. ${UNAUTHORIZED_HINT}` });
    else if (connection.get().kind !== 'retrying') connection.set({ kind: 'connected' });
  };

  async function call(name: CallName, params?: unknown): Promise<Result<unknown>> {
    const spec = CALLS[name];
    if (!spec) return { ok: false, error: { code: 'unknown_call', message: `The panel asked for "${String(name)}", which this engine does not offer.` } };
    try {
      const request = bindCall(spec, params);
      const response = await doFetch(`${base}${request.url}`, {
        method: request.method,
        headers: { ...auth, ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      noteStatus(response.status);
      return await toResult(response);
    } catch (error) {
      if (error instanceof BindingError) return { ok: false, error: { code: error.code, message: error.message } };
      return { ok: false, error: unreachable(error) };
    }
  }

  function subscribe(name: SubscriptionName, ...rest: unknown[]): () => void {
    const listener = rest[rest.length - 1] as (event: { type: string; data: unknown }) => void;
    const params = rest.length > 1 ? rest[0] : undefined;
    const spec = SUBSCRIPTIONS[name];
    const controller = new AbortController();
    const finalEvents = new Set<string>((spec as { endsAfter?: readonly string[] }).endsAfter ?? []);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    /** The last event id the engine gave, sent back on reconnecting so a stream resumes where it was (as EventSource does). */
    let lastEventId: string | undefined;

    const retry = (reason: string) => {
      if (controller.signal.aborted) return;
      attempt += 1;
      const delay = backoffDelay(attempt, options.backoff);
      if (connection.get().kind !== 'unauthorized') connection.set({ kind: 'retrying', retryAt: Date.now() + delay, attempt, reason });
      timer = setTimeout(open, delay);
    };

    async function open(): Promise<void> {
      if (controller.signal.aborted) return;
      let url: string;
      try {
        url = bindSubscription(spec, params);
      } catch (error) {
        listener({ type: 'error', data: { message: error instanceof Error ? error.message : String(error) } });
        return;
      }
      let finished = false;
      try {
        const headers: Record<string, string> = { ...auth, accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) };
        const response = await doFetch(`${base}${url}`, { headers, signal: controller.signal });
        if (!response.ok) {
          const error = errorFrom(response.status, await response.json().catch(() => null));
          noteStatus(response.status);
          retry(error.message);
          return;
        }
        attempt = 0;
        connection.set({ kind: 'connected' });
        await readEvents(response, {
          signal: controller.signal,
          onEvent(type, data, id) {
            if (id !== undefined) lastEventId = id;
            if (finalEvents.has(type)) finished = true;
            listener({ type, data });
          },
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        retry(unreachable(error).message);
        return;
      }
      if (!finished) retry('The event stream ended.');
    }

    void open();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }

  function stream(name: StreamName, params: unknown, handlers: { onChunk: (chunk: never) => void; onDone: (result: Result<{ cancelled: boolean }>) => void }): () => void {
    const controller = new AbortController();
    let done = false;
    const finish = (result: Result<{ cancelled: boolean }>) => {
      if (done) return;
      done = true;
      handlers.onDone(result);
    };
    void (async () => {
      try {
        const request = bindStream(STREAMS[name], params);
        const response = await doFetch(`${base}${request.url}`, {
          method: request.method,
          headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' },
          body: request.body ?? '{}',
          signal: controller.signal,
        });
        if (!response.ok) {
          finish({ ok: false, error: errorFrom(response.status, await response.json().catch(() => null)) });
          return;
        }
        await readEvents(response, { signal: controller.signal, onEvent: (_type, data) => handlers.onChunk(data as never) });
        finish({ ok: true, data: { cancelled: false } });
      } catch (error) {
        if (controller.signal.aborted) finish({ ok: true, data: { cancelled: true } });
        else finish({ ok: false, error: unreachable(error) });
      }
    })();
    return () => {
      controller.abort();
      finish({ ok: true, data: { cancelled: true } });
    };
  }

  return {
    kind: 'http',
    call: call as Transport['call'],
    subscribe: subscribe as Transport['subscribe'],
    stream: stream as Transport['stream'],
    connection: { get: (): ConnectionState => connection.get(), subscribe: connection.subscribe },
  };
}
