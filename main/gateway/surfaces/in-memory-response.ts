/**
 * The response side of an in-process chat request (chat-client.ts): what the
 * gateway's chat handler, the router, the proxy, the stream relay and the
 * cache replay call on a `ServerResponse`, on a plain EventEmitter (a node
 * Writable's machinery, several ticks and emits per response, cost more than
 * the whole translation of a small request):
 *
 * - headers: `setHeader` / `getHeader` / `getHeaders` / `hasHeader` /
 *   `removeHeader`, `statusCode`, `writeHead(status[, message][, headers])`,
 *   `flushHeaders()`, `headersSent`; setting a header after they were sent
 *   throws as node does;
 * - body: `write()` (strings as UTF-8) and `end([chunk])` keep the chunks for
 *   the reader: `collect()` for a whole body, settled by the end itself
 *   without an iterator, `pieces()` for a stream. A stream's reader gets
 *   backpressure: past a few unread chunks `write()` returns false, and
 *   `'drain'` follows once the reader has taken them, so the relay pauses
 *   its upstream as it would for a slow socket;
 * - the end: `writableEnded` and `writableFinished` at `end()`, then
 *   `'finish'` and `'close'` on the next tick, as node emits them;
 * - `destroy()` (the surface's client went away) emits `'close'` without
 *   `writableFinished`, which is how the chat handler sees a client leave.
 *   A write after the end or the destroy is dropped (nobody reads it).
 */
import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';

/** Unread chunks kept before the writer has to wait for the reader. */
const UNREAD_LIMIT = 32;

type Chunk = string | Uint8Array;
type Done = (error?: Error | null) => void;

export class InMemoryResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  readonly #headers = new Map<string, { name: string; value: OutgoingHttpHeader }>();
  readonly #unread: Buffer[] = [];
  #head: Promise<void> | undefined;
  #onHead: (() => void) | undefined;
  #wake: (() => void) | undefined;
  /** write() returned false: 'drain' is owed once the reader has caught up. */
  #needDrain = false;
  /** The whole-body reader (collect()), called once the response ends or is destroyed. */
  #onDone: (() => void) | undefined;
  #collecting = false;
  #discarding = false;

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
      const names = Object.keys(given);
      for (let i = 0; i < names.length; i++) {
        const value = given[names[i]!];
        if (value !== undefined) this.setHeader(names[i]!, value);
      }
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
    this.#drained();
    if (this.writableEnded || this.destroyed) return Promise.resolve(this.#takeAll());
    return new Promise<Buffer>((resolve) => {
      this.#onDone = () => resolve(this.#takeAll());
    });
  }

  /** The body's chunks as they are written, until the response ends or is destroyed. */
  async *pieces(): AsyncGenerator<Buffer> {
    for (;;) {
      while (this.#unread.length > 0) {
        const piece = this.#unread.shift()!;
        if (this.#unread.length === 0) this.#drained();
        yield piece;
      }
      if (this.writableEnded || this.destroyed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** The reader is done (the answer is complete): whatever is still written is dropped, and never waits. */
  discardRest(): void {
    this.#discarding = true;
    this.#unread.length = 0;
    this.#drained();
  }

  /** Keeps `chunk` for the reader; false when the reader is behind ('drain' follows when it catches up). */
  write(chunk: Chunk, encodingOrCallback?: BufferEncoding | Done, callback?: Done): boolean {
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (this.writableEnded || this.destroyed) {
      if (done !== undefined) process.nextTick(done);
      return false;
    }
    this.#sendHead();
    this.#keep(chunk, typeof encodingOrCallback === 'string' ? encodingOrCallback : undefined);
    if (done !== undefined) process.nextTick(done);
    if (this.#collecting || this.#discarding || this.#unread.length < UNREAD_LIMIT) return true;
    this.#needDrain = true;
    return false;
  }

  end(chunkOrCallback?: Chunk | Done | null, encodingOrCallback?: BufferEncoding | Done, callback?: Done): this {
    let chunk: Chunk | null | undefined;
    let done: Done | undefined;
    let encoding: BufferEncoding | undefined;
    if (typeof chunkOrCallback === 'function') done = chunkOrCallback;
    else {
      chunk = chunkOrCallback;
      if (typeof encodingOrCallback === 'function') done = encodingOrCallback;
      else {
        encoding = encodingOrCallback;
        done = callback;
      }
    }
    if (this.writableEnded || this.destroyed) {
      if (done !== undefined) process.nextTick(done);
      return this;
    }
    this.#sendHead();
    if (chunk != null) this.#keep(chunk, encoding);
    this.writableEnded = true;
    this.writableFinished = true;
    this.#notify();
    this.#done();
    process.nextTick(finished, this, done);
    return this;
  }

  /** The end without finishing: 'close' follows with `writableFinished` false (the client went away). */
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.#sendHead();
    this.#notify();
    this.#done();
    process.nextTick(closed, this);
    return this;
  }

  #keep(chunk: Chunk, encoding: BufferEncoding | undefined): void {
    if (this.#discarding) return;
    const piece = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (piece.length === 0) return;
    this.#unread.push(piece);
    this.#notify();
  }

  /** The reader has caught up (or no longer reads a stream): a writer waiting for 'drain' goes on. */
  #drained(): void {
    if (!this.#needDrain) return;
    this.#needDrain = false;
    process.nextTick(drain, this);
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

}

function finished(res: InMemoryResponse, done: Done | undefined): void {
  res.emit('finish');
  done?.();
  // Node destroys a finished stream itself (autoDestroy); a destroy() in between already said 'close'.
  if (res.destroyed) return;
  res.destroyed = true;
  res.emit('close');
}

function closed(res: InMemoryResponse): void {
  res.emit('close');
}

function drain(res: InMemoryResponse): void {
  if (!res.destroyed) res.emit('drain');
}
