/**
 * A server-sent-events response: headers flushed at once, every event written
 * as soon as it exists (no buffering, no timers), and backpressure respected:
 * write() returns a promise only when the socket buffer is full, resolved on
 * 'drain' (or when the client goes away, so a stalled client never hangs the
 * generation loop).
 */
import type { ServerResponse } from 'node:http';

export class SseStream {
  readonly #response: ServerResponse;

  constructor(response: ServerResponse) {
    this.#response = response;
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    response.flushHeaders();
  }

  get closed(): boolean {
    return this.#response.destroyed || this.#response.writableEnded;
  }

  /** Write one already-formatted event (`data: ...\n\n`). */
  write(event: string): void | Promise<void> {
    if (this.closed) return;
    if (this.#response.write(event)) return;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#response.off('drain', done);
        this.#response.off('close', done);
        resolve();
      };
      this.#response.on('drain', done);
      this.#response.on('close', done);
    });
  }

  /** Write `data: <json>\n\n`. */
  send(payload: unknown): void | Promise<void> {
    return this.write(`data: ${JSON.stringify(payload)}\n\n`);
  }

  /** End with the OpenAI terminator. */
  done(): void {
    if (this.closed) return;
    this.#response.end('data: [DONE]\n\n');
  }

  /** End after an error event, without [DONE] (as llama-server does). */
  fail(errorBody: unknown): void {
    if (this.closed) return;
    this.#response.end(`data: ${JSON.stringify(errorBody)}\n\n`);
  }
}
