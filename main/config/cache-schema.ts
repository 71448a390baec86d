import { z } from 'zod';

/**
 * The response cache's section of the config file: on/off for every route,
 * how long an answer stays and how large the cache may grow. Which routes
 * cache, whether sampled answers are cached and the semantic threshold are
 * per route (routing-schema.ts: `cache`, `semanticCache`); the cache's
 * `routeCacheSettings()` combines the two.
 *
 * Merged into the config schema as `cache: cacheSectionSchema`.
 */
export const cacheConfigSchema = z
  .object({
    /** Off: no route reads or writes the cache, whatever the route says. */
    enabled: z.boolean().default(true),
    /** An answer is served from the cache for this long after it was stored (minutes; default 24 h). */
    ttlMinutes: z.number().min(1).max(525_600).default(1440),
    /** Size limit over the stored answers (bytes); the least recently used go first. Default 256 MiB. */
    maxBytes: z.number().int().min(64 * 1024).max(64 * 1024 ** 3).default(256 * 1024 * 1024),
  })
  .strict();

/** The section with its defaults applied when absent. */
export const cacheSectionSchema = cacheConfigSchema.prefault({});

export type CacheConfig = z.infer<typeof cacheConfigSchema>;
export type CacheConfigInput = z.input<typeof cacheConfigSchema>;
