import { Pool } from 'undici';
import { performance } from 'node:perf_hooks';

const CHUNK_KEYS = ['"content":"', '"text":"'];

/** One keep-alive connection pool per origin, so gateway and direct calls pay the same client costs. */
export function createClient(origin: string, connections = 32, extraHeaders: Readonly<Record<string, string>> = {}) {
  const headers = { 'content-type': 'application/json', ...extraHeaders };
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });

  /** POST JSON and read the whole body; returns wall time in ms. */
  async function timedPost(path: string, body: string): Promise<number> {
    const started = performance.now();
    const res = await pool.request({ method: 'POST', path, body, headers });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}`);
    return performance.now() - started;
  }

  /**
   * POST a streaming request; returns the time to the first content chunk and
   * to the end, plus how many content chunks arrived.
   */
  async function timedStream(path: string, body: string): Promise<{ ttftMs: number; totalMs: number; chunks: number; firstAt: number; lastAt: number }> {
    const started = performance.now();
    const res = await pool.request({ method: 'POST', path, body, headers });
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}`);
    let firstAt = 0;
    let lastAt = 0;
    let chunks = 0;
    for await (const piece of res.body) {
      const text = (piece as Buffer).toString();
      // Count token chunks: chat deltas carry "content", text completions "text"; each event is one token here.
      for (const key of CHUNK_KEYS) {
        let at = text.indexOf(key);
        while (at !== -1) {
          if (text[at + key.length] !== '"') {
            chunks++;
            lastAt = performance.now();
            if (!firstAt) firstAt = lastAt;
          }
          at = text.indexOf(key, at + key.length);
        }
      }
    }
    return { ttftMs: firstAt - started, totalMs: performance.now() - started, chunks, firstAt, lastAt };
  }

  return { pool, headers, timedPost, timedStream, close: () => pool.close() };
}

export type BenchClient = ReturnType<typeof createClient>;
