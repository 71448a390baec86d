/**
 * A server-sent-events response: headers flushed at once, events sent in
 * order, backpressure respected.
 *
 * Events are written behind the decode. write() holds the event; everything
 * held goes out in one socket write once node-llama-cpp has dispatched the
 * next decode (decode-dispatch.ts), which the generation loop queues as soon
 * as write() returns. The write, and the client waking up to read it, then
 * overlap that decode instead of delaying it. Measured on bench-124m, one
 * stream: the main thread's share of each token's critical path (sampled
 * token to next native decode) went from about 0.45 ms to 0.2 ms, the same as
 * node-llama-cpp in-process. done() and fail() send what is held first.
 *
 * Backpressure: when a socket write reports a full buffer, write() returns a
 * promise resolved on 'drain' (or when the client goes away, so a stalled
 * client never hangs the generation loop); the caller waits for it before
 * producing more, so at most one decode step of events is ever held.
 */
import type { ServerResponse } from 'node:http';

/** Runs a task once the next decode has been dispatched (or soon, when none comes): DecodeDispatch. */
export interface WriteSchedule {
  afterNextDispatch(task: () => void): void;
}

export class SseStream {
  readonly #response: ServerResponse;
  readonly #dispatch: WriteSchedule;
  /** Events written but not yet sent. */
  #held = '';
  #flushScheduled = false;
  /** Set while the socket buffer is full: resolves on 'drain' or 'close'. */
  #drained: Promise<void> | undefined;

  /** `dispatch` says when held events are sent: the worker's DecodeDispatch (decode-dispatch.ts). */
  constructor(response: ServerResponse, dispatch: WriteSchedule) {
    this.#response = response;
    this.#dispatch = dispatch;
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

  /**
   * Queue one already-formatted event (`data: ...\n\n`). Returns a promise
   * only while the socket buffer is full; the caller should wait for it
   * before producing more.
   */
  write(event: string): void | Promise<void> {
    if (this.closed) return;
    this.#held += event;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#dispatch.afterNextDispatch(this.#flush);
    }
    return this.#drained;
  }

  /** Queue `data: <json>\n\n`. */
  send(payload: unknown): void | Promise<void> {
    return this.write(`data: ${JSON.stringify(payload)}\n\n`);
  }

  /** Send what is held, then end with the OpenAI terminator. */
  done(): void {
    this.#end('data: [DONE]\n\n');
  }

  /** Send what is held, then end after an error event, without [DONE] (as llama-server does). */
  fail(errorBody: unknown): void {
    this.#end(`data: ${JSON.stringify(errorBody)}\n\n`);
  }

  #end(last: string): void {
    if (this.closed) return;
    const text = this.#held + last;
    this.#held = '';
    this.#response.end(text);
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.closed || this.#held === '') return;
    const text = this.#held;
    this.#held = '';
    if (this.#response.write(text) || this.#drained !== undefined) return;
    this.#drained = new Promise<void>((resolve) => {
      const done = (): void => {
        this.#response.off('drain', done);
        this.#response.off('close', done);
        this.#drained = undefined;
        resolve();
      };
      this.#response.on('drain', done);
      this.#response.on('close', done);
    });
  };
}
