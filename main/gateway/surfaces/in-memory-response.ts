/**
 * The response side of an in-process chat request (chat-client.ts): what the
 * gateway's chat handler, the router, the proxy, the stream relay and the
 * cache replay call on a `ServerResponse`, implemented on a Writable so that
 * `write()`'s return value, `'drain'`, `'close'`, `writableFinished`,
 * `writableEnded`, `destroyed` and `destroy()` keep node's own semantics:
 *
 * - headers: `setHeader` / `getHeader` / `getHeaders` / `hasHeader` /
 *   `removeHeader`, `statusCode`, `writeHead(status[, message][, headers])`,
 *   `flushHeaders()`, `headersSent`; setting a header after they were sent
 *   throws as node does;
 * - body: written chunks are kept for the reader (`collect()` for a whole
 *   body, settled by the end itself without an iterator; `pieces()` for a
 *   stream), with backpressure for a stream's reader: past a few unread
 *   chunks the writer's callback waits for the reader, so `write()` returns
 *   false and the relay pauses its upstream as it would for a slow socket;
 * - `destroy()` (the surface's client went away) emits `'close'` before
 *   `writableFinished`, which is how the chat handler sees a client leave.
 */
import { Writable } from 'node:stream';
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';

/** Unread chunks kept before the writer has to wait for the reader. */
const UNREAD_LIMIT = 32;

export class InMemoryResponse extends Writable {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  readonly #headers = new Map<string, { name: string; value: OutgoingHttpHeader }>();
  readonly #unread: Buffer[] = [];
  #head: Promise<void> | undefined;
  #onHead: (() => void) | undefined;
  #wake: (() => void) | undefined;
  #held: (() => void) | undefined;
  /** The whole-body reader (collect()), called once the response ends or is destroyed. */
  #onDone: (() => void) | undefined;
  #collecting = false;
  #ended = false;
  #discarding = false;

  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }

  /** Settles once the status and headers are final (written, flushed, ended or destroyed). Made when first asked for. */
  get head(): Promise<void> {
    if (this.#head === undefined) {
      this.#head = this.headersSent
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#onHead = resolve;
          });
    }
    return this.#head;
  }

  /** The headers as set, by lower-cased name (no copy, unlike getHeaders()). */
  get headerMap(): ReadonlyMap<string, { readonly name: string; readonly value: OutgoingHttpHeader }> {
    return this.#headers;
  }

  setHeader(name: string, value: OutgoingHttpHeader): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot set headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this.#headers.set(name.toLowerCase(), { name, value });
    return this;
  }

  getHeader(name: string): OutgoingHttpHeader | undefined {
    return this.#headers.get(name.toLowerCase())?.value;
  }

  getHeaders(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    for (const [key, { value }] of this.#headers) out[key] = value;
    return out;
  }

  getHeaderNames(): string[] {
    return [...this.#headers.keys()];
  }

  hasHeader(name: string): boolean {
    return this.#headers.has(name.toLowerCase());
  }

  removeHeader(name: string): void {
    if (this.headersSent) throw Object.assign(new Error('Cannot remove headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this.#headers.delete(name.toLowerCase());
  }

  writeHead(status: number, messageOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this.statusCode = status;
    let given = headers;
    if (typeof messageOrHeaders === 'string') this.statusMessage = messageOrHeaders;
    else given = messageOrHeaders;
    if (Array.isArray(given)) {
      // node's flat form: [name, value, name, value, …]
      for (let i = 0; i + 1 < given.length; i += 2) this.setHeader(String(given[i]), given[i + 1] as OutgoingHttpHeader);
    } else if (given !== undefined) {
      for (const [name, value] of Object.entries(given)) if (value !== undefined) this.setHeader(name, value);
    }
    this.#sendHead();
    return this;
  }

  flushHeaders(): void {
    this.#sendHead();
  }

  /**
   * The whole body, once the response has ended (or what came before it was destroyed). The writer never
   * waits for this reader: the chunks are kept until the end, which settles the promise directly.
   */
  collect(): Promise<Buffer> {
    this.#collecting = true;
    this.#release();
    if (this.#ended || this.destroyed) return Promise.resolve(this.#takeAll());
    return new Promise<Buffer>((resolve) => {
      this.#onDone = () => resolve(this.#takeAll());
    });
  }

  /** The body's chunks as they are written, until the response ends or is destroyed. */
  async *pieces(): AsyncGenerator<Buffer> {
    for (;;) {
      while (this.#unread.length > 0) {
        const piece = this.#unread.shift()!;
        this.#release();
        yield piece;
      }
      if (this.#ended || this.destroyed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** The reader is done (the answer is complete): whatever is still written is dropped, and never waits. */
  discardRest(): void {
    this.#discarding = true;
    this.#unread.length = 0;
    this.#release();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#sendHead();
    if (this.#discarding) return callback();
    this.#unread.push(chunk);
    this.#notify();
    if (this.#collecting || this.#unread.length < UNREAD_LIMIT) callback();
    else this.#held = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#sendHead();
    this.#ended = true;
    this.#notify();
    this.#done();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#sendHead();
    this.#notify();
    this.#done();
    this.#held = undefined;
    callback(error);
  }

  #sendHead(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.#onHead?.();
  }

  #done(): void {
    const done = this.#onDone;
    this.#onDone = undefined;
    done?.();
  }

  #takeAll(): Buffer {
    const parts = this.#unread.splice(0);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #release(): void {
    const held = this.#held;
    this.#held = undefined;
    held?.();
  }
}
