/**
 * The response cache: exact entries by canonical key, and (per route, opt-in)
 * semantic entries compared within one context by the cosine similarity of
 * the last user message's embedding. Entries live in SQLite (entry-store.ts);
 * the semantic vectors are also kept in memory (semantic-index.ts).
 *
 * A hit must be able to stand in for the upstream answer in full: a request
 * that expects usage (every non-stream request, and streams asking for
 * include_usage) does not hit an entry stored without usage.
 */
import type { ServerResponse } from 'node:http';
import { contextKey, exactKey, lastUserMessage } from './canonical-key.js';
import { EntryStore, type EntryRow } from './entry-store.js';
import { cachePolicy } from './policy.js';
import { writeReplay } from './replay.js';
import { SemanticIndex, unitVector } from './semantic-index.js';
import { createStreamAssembler } from './stream-assembler.js';
import type {
  CacheHit,
  CacheLookupOptions,
  CacheRequest,
  CacheStats,
  ChatCompletionJson,
  ReplayOptions,
  ResponseCache,
  ResponseCacheOptions,
} from './types.js';

export const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_SEMANTIC_THRESHOLD = 0.95;
/** Expired entries are swept on a store at most this often. */
const SWEEP_INTERVAL_MS = 60_000;
/** Lookups remembered for the store that follows a miss (their embedding, so it is not computed twice). */
const PENDING_LIMIT = 1024;
/** LRU stamps of hits are written in batches of this many, or after this long. */
const TOUCH_BATCH = 256;
const TOUCH_FLUSH_MS = 1000;

/** What store() may be told besides the request and answer. */
export interface StoreOptions {
  /** Index the entry for the semantic cache (embedding the last user message) even without a lookup before it. */
  readonly semantic?: boolean;
}

export interface ResponseCacheInstance extends ResponseCache {
  store(request: CacheRequest, completion: ChatCompletionJson, options?: StoreOptions): Promise<void>;
}

interface Pending {
  readonly contextKey: string;
  vector?: Float32Array;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a completion is not a complete successful answer, or undefined when it is. */
export function incompleteReason(completion: ChatCompletionJson): string | undefined {
  if (completion.error !== undefined) return 'an error';
  if (completion.object !== undefined && completion.object !== 'chat.completion') return `object ${String(completion.object)}`;
  const choices = completion.choices;
  if (!Array.isArray(choices) || choices.length === 0) return 'no choices';
  for (const choice of choices as unknown[]) {
    if (!isRecord(choice) || !isRecord(choice.message)) return 'a choice without a message';
    if (typeof choice.finish_reason !== 'string' || choice.finish_reason === '') return 'a choice without finish_reason';
  }
  return undefined;
}

/** Does the request's client expect a usage object (non-stream always; a stream when it asked for include_usage)? */
export function expectsUsage(body: Readonly<Record<string, unknown>>): boolean {
  if (body.stream !== true) return true;
  const options = body.stream_options;
  return isRecord(options) && options.include_usage === true;
}

export function createResponseCache(options: ResponseCacheOptions): ResponseCacheInstance {
  // Changed live by setLimits (the Settings page).
  let ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  let maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const now = options.now ?? Date.now;
  const { embed, log } = options;
  const entries = new EntryStore({ file: options.file, ...(log ? { log } : {}) });
  const index = new SemanticIndex(options.maxSemanticPerContext !== undefined ? { maxPerContext: options.maxSemanticPerContext } : {});
  const pending = new Map<string, Pending>();
  const counts = { hits: 0, misses: 0, byRoute: {} as Record<string, { hits: number; misses: number }> };
  let { entries: entryCount, bytes: totalBytes } = entries.totals();
  let lastSweep = -Infinity;
  let closed = false;
  let lastEmbedError = { message: '', at: -Infinity };
  const touched = new Map<number, number>();
  let touchTimer: NodeJS.Timeout | undefined;

  for (const row of entries.vectors()) {
    const vector = new Float32Array(row.embedding.buffer.slice(row.embedding.byteOffset, row.embedding.byteOffset + row.embedding.byteLength));
    index.add(row.context_key, row.id, vector);
  }

  function count(route: string, hit: boolean): void {
    const slot = (counts.byRoute[route] ??= { hits: 0, misses: 0 });
    if (hit) {
      counts.hits++;
      slot.hits++;
    } else {
      counts.misses++;
      slot.misses++;
    }
  }

  function forget(id: number): void {
    const bytes = entries.delete(id);
    index.remove(id);
    if (bytes !== undefined) {
      entryCount--;
      totalBytes -= bytes;
    }
  }

  function forgetRows(rows: { id: number; bytes: number }[]): void {
    for (const row of rows) {
      index.remove(row.id);
      entryCount--;
      totalBytes -= row.bytes;
    }
  }

  function expired(row: EntryRow): boolean {
    return row.stored_at + ttlMs <= now();
  }

  /** The row as a hit, or undefined if it is expired (then deleted) or cannot serve this request. */
  function usable(row: EntryRow, wantsUsage: boolean): ChatCompletionJson | undefined {
    if (expired(row)) {
      forget(row.id);
      return undefined;
    }
    if (wantsUsage && row.has_usage === 0) return undefined;
    touch(row.id);
    return JSON.parse(row.completion) as ChatCompletionJson;
  }

  /** Marks an entry used; the stamps reach the file in batches (before any eviction, at the latest within a second). */
  function touch(id: number): void {
    touched.set(id, entries.nextSeq());
    if (touched.size >= TOUCH_BATCH) flushTouches();
    else touchTimer ??= setTimeout(flushTouches, TOUCH_FLUSH_MS).unref();
  }

  function flushTouches(): void {
    if (touchTimer !== undefined) clearTimeout(touchTimer);
    touchTimer = undefined;
    if (closed || touched.size === 0) return;
    entries.touchMany(touched);
    touched.clear();
  }

  function remember(key: string, value: Pending): void {
    pending.delete(key);
    pending.set(key, value);
    if (pending.size > PENDING_LIMIT) pending.delete(pending.keys().next().value!);
  }

  async function embedOne(text: string): Promise<Float32Array | undefined> {
    if (embed === undefined) return undefined;
    try {
      const [vector] = await embed([text]);
      return vector === undefined ? undefined : unitVector(vector);
    } catch (error) {
      // Once per distinct reason a minute: without an embedding model every semantic store would say the same.
      const message = `embedding failed: ${(error as Error).message}`;
      const time = now();
      if (message !== lastEmbedError.message || time - lastEmbedError.at >= 60_000) {
        lastEmbedError = { message, at: time };
        log?.(message);
      }
      return undefined;
    }
  }

  async function lookup(request: CacheRequest, lookupOptions: CacheLookupOptions): Promise<CacheHit | undefined> {
    if (closed || lookupOptions.signal?.aborted) return undefined;
    const key = exactKey(request);
    const wantsUsage = expectsUsage(request.body);
    const row = entries.byKey(key);
    if (row !== undefined) {
      const completion = usable(row, wantsUsage);
      if (completion !== undefined) {
        count(request.route, true);
        return { kind: 'exact', key, completion, storedAt: row.stored_at, matchedEntryId: String(row.id) };
      }
    }

    const threshold = lookupOptions.semanticThreshold;
    const context = threshold !== undefined && embed !== undefined ? contextKey(request) : undefined;
    if (context !== undefined && threshold !== undefined) {
      const slot: Pending = { contextKey: context };
      remember(key, slot);
      // Embed now only if there is something to compare with; otherwise store() embeds after the answer is out.
      if (index.hasContext(context)) {
        const vector = await embedOne(lastUserMessage(request.body)!.text);
        if (closed || lookupOptions.signal?.aborted) return undefined;
        if (vector !== undefined) {
          slot.vector = vector;
          for (const match of index.search(context, vector, threshold)) {
            const candidate = entries.byId(match.id);
            if (candidate === undefined) {
              index.remove(match.id);
              continue;
            }
            const completion = usable(candidate, wantsUsage);
            if (completion === undefined) continue;
            count(request.route, true);
            return { kind: 'semantic', key: candidate.key, completion, similarity: match.similarity, storedAt: candidate.stored_at, matchedEntryId: String(candidate.id) };
          }
        }
      }
    }
    count(request.route, false);
    return undefined;
  }

  function sweep(time: number): void {
    if (time - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = time;
    forgetRows(entries.deleteStoredAtOrBefore(time - ttlMs));
  }

  function evict(keepId: number): void {
    if (totalBytes > maxBytes) flushTouches();
    while (totalBytes > maxBytes && entryCount > 1) {
      const victims = entries.leastRecentlyUsed(32).filter((id) => id !== keepId);
      if (victims.length === 0) break;
      for (const id of victims) {
        forget(id);
        if (totalBytes <= maxBytes) break;
      }
    }
  }

  async function store(request: CacheRequest, completion: ChatCompletionJson, storeOptions: StoreOptions = {}): Promise<void> {
    if (closed) return;
    const why = incompleteReason(completion);
    if (why !== undefined) {
      log?.(`not storing an answer with ${why}`);
      return;
    }
    const key = exactKey(request);
    const text = JSON.stringify(completion);
    let context: string | null = null;
    let vector: Float32Array | undefined;
    const remembered = pending.get(key);
    pending.delete(key);
    if (remembered !== undefined || storeOptions.semantic === true) {
      const ctx = remembered?.contextKey ?? contextKey(request);
      if (ctx !== undefined) {
        vector = remembered?.vector ?? (await embedOne(lastUserMessage(request.body)!.text));
        if (closed) return;
        if (vector !== undefined) context = ctx;
      }
    }
    const embedding = vector === undefined ? null : Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    const bytes = Buffer.byteLength(text) + (embedding?.byteLength ?? 0);
    if (bytes > maxBytes) {
      log?.(`an answer of ${bytes} bytes is larger than the cache (${maxBytes} bytes); not stored`);
      return;
    }
    const time = now();
    sweep(time);
    const { id, replacedBytes } = entries.put({
      key,
      route: request.route,
      contextKey: context,
      completion: text,
      hasUsage: isRecord(completion.usage),
      bytes,
      storedAt: time,
      embedding,
    });
    if (replacedBytes > 0) totalBytes -= replacedBytes;
    else entryCount++;
    totalBytes += bytes;
    index.remove(id);
    if (vector !== undefined && context !== null) {
      for (const dropped of index.add(context, id, vector)) forget(dropped);
    }
    evict(id);
  }

  function stats(): CacheStats {
    const byRoute: Record<string, { hits: number; misses: number }> = {};
    for (const [route, slot] of Object.entries(counts.byRoute)) byRoute[route] = { ...slot };
    return { hits: counts.hits, misses: counts.misses, entries: entryCount, bytes: totalBytes, byRoute };
  }

  function clear(route?: string): number {
    if (closed) return 0;
    flushTouches();
    const removed = entries.clear(route);
    if (route === undefined) {
      index.clear();
      entryCount = 0;
      totalBytes = 0;
    } else {
      forgetRows(removed);
    }
    return removed.length;
  }

  return {
    policy: cachePolicy,
    lookup,
    store,
    createStreamAssembler,
    writeReplay(res: ServerResponse, completion: ChatCompletionJson, replay: ReplayOptions): void {
      writeReplay(res, completion, { ...replay, created: Math.floor(now() / 1000) });
    },
    stats,
    clear,
    setLimits(limits: { readonly ttlMs?: number; readonly maxBytes?: number }): void {
      if (limits.ttlMs !== undefined) ttlMs = limits.ttlMs;
      if (limits.maxBytes !== undefined) maxBytes = limits.maxBytes;
      if (closed) return;
      // A shorter lifetime or a smaller size takes effect now, not at the next write.
      lastSweep = -Infinity;
      sweep(now());
      evict(-1);
    },
    close(): void {
      if (closed) return;
      flushTouches();
      closed = true;
      pending.clear();
      entries.close();
    },
  };
}
