import { describe, expect, it } from 'vitest';
import { cacheSectionSchema } from '../../main/config/cache-schema.js';
import { configSchema } from '../../main/config/schema.js';
import { cacheLimits, routeCacheSettings, UNROUTED_CACHE_SETTINGS } from '../../main/cache/route-settings.js';

describe('cache config section', () => {
  it('defaults: on, 24 h, 256 MiB — also when the whole config is empty', () => {
    const defaults = { enabled: true, ttlMinutes: 1440, maxBytes: 256 * 1024 * 1024 };
    expect(cacheSectionSchema.parse(undefined)).toEqual(defaults);
    expect(configSchema.parse({}).cache).toEqual(defaults);
    expect(cacheLimits(defaults)).toEqual({ ttlMs: 24 * 3600_000, maxBytes: 256 * 1024 * 1024 });
  });

  it('rejects unknown keys and nonsense values, naming the key', () => {
    const typo = cacheSectionSchema.safeParse({ ttlMinuts: 5 });
    expect(typo.success).toBe(false);
    expect(JSON.stringify(typo.error!.issues)).toContain('ttlMinuts');
    const tiny = configSchema.safeParse({ cache: { maxBytes: 10 } });
    expect(tiny.success).toBe(false);
    expect(tiny.error!.issues[0]!.path).toEqual(['cache', 'maxBytes']);
  });
});

describe('routeCacheSettings', () => {
  it('combines the global switch with the route’s own settings and semantic threshold', () => {
    const route = { cache: { enabled: true, allowSampling: true }, semanticCache: { threshold: 0.9 } };
    expect(routeCacheSettings({ enabled: true }, route)).toEqual({ enabled: true, allowSampling: true, semanticThreshold: 0.9 });
    expect(routeCacheSettings({ enabled: false }, route).enabled).toBe(false);
    expect(routeCacheSettings({ enabled: true }, { cache: { enabled: false, allowSampling: false } }).enabled).toBe(false);
    expect(routeCacheSettings({ enabled: true }, { cache: { enabled: true, allowSampling: false } })).not.toHaveProperty('semanticThreshold');
  });

  it('a model without a route gets the exact cache only', () => {
    expect(routeCacheSettings({ enabled: true }, undefined)).toEqual(UNROUTED_CACHE_SETTINGS);
    expect(UNROUTED_CACHE_SETTINGS).toEqual({ enabled: true, allowSampling: false });
  });
});
