/**
 * Server-sent events for the control API: live hardware samples, download
 * progress. One small helper so every stream behaves the same way:
 *
 * - the headers go out at once (a client sees the stream open before the first event);
 * - a comment line every 15 s keeps proxies and idle timers from closing a quiet stream;
 * - events are typed: `send(name, data)` only accepts a name of the event map with its payload;
 * - the stream ends when the handler returns, throws, or the client goes away,
 *   and the timer is always cleared (`finally`).
 *
 *   await serveEvents<{ sample: LiveSample }>(res, async (stream) => {
 *     const stop = monitor.subscribe((sample) => stream.send('sample', sample));
 *     try { await stream.closed; } finally { stop(); }
 *   });
 */
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../gateway/errors.js';

export const HEARTBEAT_MS = 15_000;

export interface SseOptions {
  /** Comment line interval; 15 s by default. */
  readonly heartbeatMs?: number;
}

/** One event of an event map as a tagged value, e.g. `{ type: 'progress', data: {...} }`. */
export type SseEvent<Events extends object> = { [K in keyof Events & string]: { readonly type: K; readonly data: Events[K] } }[keyof Events & string];

export interface SseStream<Events extends object> {
  /** Writes one event (with an `id:` line when given: a client reconnects with it as `Last-Event-ID`); does nothing once closed. */
  send<K extends keyof Events & string>(event: K, data: Events[K], id?: string): void;
  /** The same, for an event passed around as a tagged value. */
  sendEvent(event: SseEvent<Events>): void;
  /** Ends the stream (idempotent). */
  close(): void;
  readonly isClosed: boolean;
  /** Resolves when the stream is closed, by the client or by `close()`. */
  readonly closed: Promise<void>;
  /** Aborted at the same moment, to cancel work tied to this stream. */
  readonly signal: AbortSignal;
}

/** Opens an event stream on `res`, runs `handler`, and always ends the stream and its timer afterwards. */
export async function serveEvents<Events extends object>(
  res: ServerResponse,
  handler: (stream: SseStream<Events>) => Promise<void> | void,
  options: SseOptions = {},
): Promise<void> {
  const stream = openStream<Events>(res, options.heartbeatMs ?? HEARTBEAT_MS);
  try {
    await handler(stream);
  } catch (error) {
    // The status line is gone; the client learns of the failure as a last `error` event.
    const known = error instanceof GatewayError ? error : undefined;
    writeRaw(res, stream, 'error', {
      error: {
        message: known?.message ?? 'The stream stopped because of an unexpected error; see Homeport\'s logs.',
        type: known?.type ?? 'server_error',
        param: known?.param ?? null,
        code: known?.code ?? 'stream_failed',
      },
    });
    if (!known) throw error; // unexpected: let the error handler log it (it only ends the response)
  } finally {
    stream.close();
  }
}

function openStream<Events extends object>(res: ServerResponse, heartbeatMs: number): SseStream<Events> {
  const controller = new AbortController();
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  let isClosed = false;

  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();

  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(': heartbeat\n\n');
  }, heartbeatMs);

  const finish = () => {
    if (isClosed) return;
    isClosed = true;
    clearInterval(heartbeat);
    res.off('close', finish);
    if (!res.writableEnded) res.end();
    controller.abort();
    markClosed();
  };
  // 'close' fires when the client disconnects (or after we end the response).
  res.on('close', finish);

  const stream: SseStream<Events> = {
    send(event, data, id) {
      writeRaw(res, stream, event, data, id);
    },
    sendEvent(event) {
      writeRaw(res, stream, event.type, event.data);
    },
    close: finish,
    get isClosed() {
      return isClosed;
    },
    closed,
    signal: controller.signal,
  };
  return stream;
}

function writeRaw(res: ServerResponse, stream: { readonly isClosed: boolean }, event: string, data: unknown, id?: string): void {
  if (stream.isClosed || res.writableEnded) return;
  // JSON never contains a raw newline, so one `data:` line carries the whole payload.
  res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
