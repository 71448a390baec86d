/** The response cache: exact and semantic, persisted in SQLite. See design.md. */
export * from './types.js';
export { createResponseCache, DEFAULT_MAX_BYTES, DEFAULT_SEMANTIC_THRESHOLD, DEFAULT_TTL_MS, expectsUsage, incompleteReason } from './response-cache.js';
export type { ResponseCacheInstance, StoreOptions } from './response-cache.js';
export { cachePolicy, parseCacheControl, samplingReason } from './policy.js';
export type { CacheMode, CachePolicyVerdict } from './policy.js';
export { canonicalJson, contextKey, exactKey } from './canonical-key.js';
export { replayChunks, replayJson, replaySse } from './replay.js';
export { cacheLimits, routeCacheSettings, UNROUTED_CACHE_SETTINGS } from './route-settings.js';
export type { RouteCacheConfig } from './route-settings.js';
