/**
 * Gives an answer back the model name the client asked for. A runtime that
 * knows a model by another name (llama-server started without `-a` calls it by
 * its file path) gets that name on the way in (renameModel) and echoes it in
 * every answer's `"model"` field; on the way out this puts the client's name
 * back, so an app sees `llama-server/qwen7b`, not `/home/me/models/qwen….gguf`.
 *
 * Bytes are rewritten as they pass, without parsing: only the exact
 * `"model":<upstream name as JSON>` is replaced (the form every runtime Homeport
 * talks to writes). A chunk that ends partway into that text keeps the partial
 * tail back until the next chunk completes or rules it out; a stream event that
 * ended is never held (an event's last bytes are `\n\n`, never a prefix).
 */
export class ModelEcho {
  readonly #needle: Buffer;
  readonly #replacement: Buffer;
  #carry: Buffer | undefined;

  private constructor(upstream: string, asked: string) {
    this.#needle = Buffer.from(`"model":${JSON.stringify(upstream)}`);
    this.#replacement = Buffer.from(`"model":${JSON.stringify(asked)}`);
  }

  /** Null when there is nothing to rewrite (the runtime knows the model by the name asked). */
  static between(upstream: string, asked: string): ModelEcho | null {
    return upstream === asked ? null : new ModelEcho(upstream, asked);
  }

  /** The bytes to send now for this chunk (possibly fewer, when a partial name is kept back). */
  push(chunk: Buffer): Buffer {
    let data = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = undefined;
    data = this.#replaceAll(data);
    const keep = this.#partialTail(data);
    if (keep === 0) return data;
    // A copy: the chunk's memory is not ours to keep.
    this.#carry = Buffer.from(data.subarray(data.length - keep));
    return data.subarray(0, data.length - keep);
  }

  /** What was kept back, at the end of the answer (undefined when nothing was). */
  flush(): Buffer | undefined {
    const rest = this.#carry;
    this.#carry = undefined;
    return rest;
  }

  /** A whole body at once. */
  rewrite(body: Buffer): Buffer {
    return this.#replaceAll(body);
  }

  #replaceAll(data: Buffer): Buffer {
    let at = data.indexOf(this.#needle);
    if (at === -1) return data;
    const parts: Buffer[] = [];
    let from = 0;
    while (at !== -1) {
      parts.push(data.subarray(from, at), this.#replacement);
      from = at + this.#needle.length;
      at = data.indexOf(this.#needle, from);
    }
    parts.push(data.subarray(from));
    return Buffer.concat(parts);
  }

  /** Length of the longest tail of `data` that is a proper prefix of the name's text (0 when none). */
  #partialTail(data: Buffer): number {
    const needle = this.#needle;
    const longest = Math.min(needle.length - 1, data.length);
    for (let p = data.length - longest; p < data.length; p++) {
      // Every prefix starts with the quote of `"model"`.
      if (data[p] !== 0x22) continue;
      const length = data.length - p;
      if (data.compare(needle, 0, length, p, data.length) === 0) return length;
    }
    return 0;
  }
}
