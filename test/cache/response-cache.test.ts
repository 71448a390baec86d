import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createResponseCache, type ResponseCacheInstance } from '../../main/cache/response-cache.js';
import { chatRequest, completion, contentOf, tempCacheFile } from './fixtures.js';

const open: ResponseCacheInstance[] = [];
function cacheAt(file: string, options: Omit<Parameters<typeof createResponseCache>[0], 'file'> = {}): ResponseCacheInstance {
  const cache = createResponseCache({ file, ...options });
  open.push(cache);
  return cache;
}
afterEach(() => {
  for (const cache of open.splice(0)) cache.close();
});

describe('exact cache', () => {
  it('an identical request hits after a store, with the stored answer', async () => {
    const cache = cacheAt(tempCacheFile());
    expect(await cache.lookup(chatRequest(), {})).toBeUndefined();
    await cache.store(chatRequest(), completion('Hello!'));
    const hit = await cache.lookup(chatRequest(), {});
    expect(hit).toMatchObject({ kind: 'exact' });
    expect(contentOf(hit!.completion)).toBe('Hello!');
    expect(hit!.similarity).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1, byRoute: { chat: { hits: 1, misses: 1 } } });
    expect(cache.stats().bytes).toBeGreaterThan(100);
  });

  it('a stream request hits an entry made by a non-stream one, and the other way round', async () => {
    const cache = cacheAt(tempCacheFile());
    await cache.store(chatRequest(), completion('from json'));
    expect(contentOf((await cache.lookup(chatRequest({ stream: true }), {}))?.completion)).toBe('from json');
    const other = chatRequest({ max_tokens: 4 });
    await cache.store({ ...other, body: { ...other.body, stream: true, stream_options: { include_usage: true } } }, completion('from stream'));
    expect(contentOf((await cache.lookup(other, {}))?.completion)).toBe('from stream');
  });

  it.each([
    ['temperature', { temperature: 0.2, seed: 1 }],
    ['seed', { seed: 2 }],
    ['tools', { tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] }],
    ['system prompt', { messages: [{ role: 'system', content: 'You are chatty.' }, { role: 'user', content: 'Say hello.' }] }],
  ])('a different %s misses', async (_name, change) => {
    const cache = cacheAt(tempCacheFile());
    await cache.store(chatRequest(), completion('Hello!'));
    expect(await cache.lookup(chatRequest(change), {})).toBeUndefined();
  });

  it('a different route misses: routes never share entries', async () => {
    const cache = cacheAt(tempCacheFile());
    await cache.store(chatRequest({}, 'a'), completion('Hello!'));
    expect(await cache.lookup(chatRequest({}, 'b'), {})).toBeUndefined();
  });

  it('an entry without usage does not serve a request that expects usage (non-stream, or include_usage)', async () => {
    const cache = cacheAt(tempCacheFile());
    await cache.store(chatRequest({ stream: true }), completion('no usage', { usage: false }));
    expect(contentOf((await cache.lookup(chatRequest({ stream: true }), {}))?.completion)).toBe('no usage');
    expect(await cache.lookup(chatRequest({ stream: true, stream_options: { include_usage: true } }), {})).toBeUndefined();
    expect(await cache.lookup(chatRequest(), {})).toBeUndefined();
    // The answer that follows the miss replaces the entry, and then every framing hits.
    await cache.store(chatRequest(), completion('with usage'));
    expect(contentOf((await cache.lookup(chatRequest({ stream: true, stream_options: { include_usage: true } }), {}))?.completion)).toBe('with usage');
    expect(cache.stats().entries).toBe(1);
  });

  it('stores only complete successful answers', async () => {
    const cache = cacheAt(tempCacheFile());
    const bad = [
      completion('cut', { finish: null }),
      { error: { message: 'boom', type: 'server_error', param: null, code: null } },
      { object: 'chat.completion', choices: [] },
      { ...completion('chunk'), object: 'chat.completion.chunk' },
    ];
    for (const answer of bad) await cache.store(chatRequest(), answer);
    expect(cache.stats().entries).toBe(0);
    expect(await cache.lookup(chatRequest(), {})).toBeUndefined();
  });

  it('entries expire after the TTL (injected clock), and expired ones are swept', async () => {
    let time = 1_000_000;
    const cache = cacheAt(tempCacheFile(), { ttlMs: 60_000, now: () => time });
    await cache.store(chatRequest(), completion('Hello!'));
    time += 59_999;
    expect(await cache.lookup(chatRequest(), {})).toBeDefined();
    time += 1;
    expect(await cache.lookup(chatRequest(), {})).toBeUndefined();
    expect(cache.stats().entries).toBe(0);

    await cache.store(chatRequest({ seed: 1 }), completion('one'));
    time += 120_000;
    await cache.store(chatRequest({ seed: 2 }), completion('two'));
    expect(cache.stats().entries).toBe(1);
  });

  it('defaults to a 24 h TTL', async () => {
    let time = 0;
    const cache = cacheAt(tempCacheFile(), { now: () => time });
    await cache.store(chatRequest(), completion('Hello!'));
    time = 24 * 3600_000 - 1;
    expect(await cache.lookup(chatRequest(), {})).toBeDefined();
    time = 24 * 3600_000;
    expect(await cache.lookup(chatRequest(), {})).toBeUndefined();
  });

  it('evicts the least recently used entries when over maxBytes', async () => {
    const size = Buffer.byteLength(JSON.stringify(completion('answer 0')));
    const cache = cacheAt(tempCacheFile(), { maxBytes: size * 3 + 10 });
    for (const seed of [0, 1, 2]) await cache.store(chatRequest({ seed }), completion(`answer ${seed}`));
    // Use 0 so that 1 is now the least recently used.
    expect(await cache.lookup(chatRequest({ seed: 0 }), {})).toBeDefined();
    await cache.store(chatRequest({ seed: 3 }), completion('answer 3'));
    expect(cache.stats().entries).toBe(3);
    expect(cache.stats().bytes).toBeLessThanOrEqual(size * 3 + 10);
    expect(await cache.lookup(chatRequest({ seed: 1 }), {})).toBeUndefined();
    for (const seed of [0, 2, 3]) expect(contentOf((await cache.lookup(chatRequest({ seed }), {}))?.completion)).toBe(`answer ${seed}`);
  });

  it('does not store an answer larger than the whole cache', async () => {
    const cache = cacheAt(tempCacheFile(), { maxBytes: 200 });
    await cache.store(chatRequest(), completion('x'.repeat(500)));
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('replacing an entry keeps the count and byte total right', async () => {
    const cache = cacheAt(tempCacheFile());
    await cache.store(chatRequest(), completion('short'));
    await cache.store(chatRequest(), completion('a longer answer'));
    const { entries, bytes } = cache.stats();
    expect(entries).toBe(1);
    expect(bytes).toBe(Buffer.byteLength(JSON.stringify(completion('a longer answer'))));
  });

  it('clears everything or one route, answering how many entries went', async () => {
    const cache = cacheAt(tempCacheFile());
    await cache.store(chatRequest({}, 'a'), completion('a'));
    await cache.store(chatRequest({ seed: 1 }, 'a'), completion('a1'));
    await cache.store(chatRequest({}, 'b'), completion('b'));
    expect(cache.clear('a')).toBe(2);
    expect(cache.stats().entries).toBe(1);
    expect(await cache.lookup(chatRequest({}, 'a'), {})).toBeUndefined();
    expect(await cache.lookup(chatRequest({}, 'b'), {})).toBeDefined();
    expect(cache.clear()).toBe(1);
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('survives a restart: entries, counts of entries and bytes come back from the file', async () => {
    const file = tempCacheFile();
    const first = cacheAt(file);
    await first.store(chatRequest(), completion('persisted'));
    const { bytes } = first.stats();
    first.close();
    const second = cacheAt(file);
    expect(second.stats()).toMatchObject({ entries: 1, bytes });
    expect(contentOf((await second.lookup(chatRequest(), {}))?.completion)).toBe('persisted');
  });

  it('uses WAL with synchronous NORMAL', () => {
    const file = tempCacheFile();
    cacheAt(file);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('a damaged file is moved aside and the cache starts empty', async () => {
    const file = tempCacheFile();
    writeFileSync(file, 'this is not a database, just some bytes that are long enough to look like a header '.repeat(20));
    const messages: string[] = [];
    const cache = cacheAt(file, { log: (m) => messages.push(m) });
    expect(cache.stats().entries).toBe(0);
    await cache.store(chatRequest(), completion('fresh'));
    expect(await cache.lookup(chatRequest(), {})).toBeDefined();
    expect(messages.join('\n')).toMatch(/moved aside/);
  });

  it('an aborted lookup answers nothing and counts nothing', async () => {
    const cache = cacheAt(tempCacheFile());
    await cache.store(chatRequest(), completion('Hello!'));
    expect(await cache.lookup(chatRequest(), { signal: AbortSignal.abort() })).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0 });
  });
});
