/**
 * The settings the router passes to policy() and lookup() for one route:
 * the config's global cache section combined with the route's own `cache`
 * and `semanticCache` keys. A model name without a route uses
 * UNROUTED_CACHE_SETTINGS (the exact cache, no sampling, no semantic cache).
 */
import type { CacheConfig } from '../config/cache-schema.js';
import type { CacheRouteSettings } from './types.js';

export interface RouteCacheConfig {
  readonly cache?: { readonly enabled: boolean; readonly allowSampling: boolean };
  readonly semanticCache?: { readonly threshold: number };
}

export const UNROUTED_CACHE_SETTINGS: CacheRouteSettings = { enabled: true, allowSampling: false };

export function routeCacheSettings(section: Pick<CacheConfig, 'enabled'>, route: RouteCacheConfig | undefined): CacheRouteSettings {
  const own = route?.cache ?? UNROUTED_CACHE_SETTINGS;
  const settings: CacheRouteSettings = { enabled: section.enabled && own.enabled, allowSampling: own.allowSampling };
  return route?.semanticCache === undefined ? settings : { ...settings, semanticThreshold: route.semanticCache.threshold };
}

/** createResponseCache's ttlMs and maxBytes from the config section. */
export function cacheLimits(section: Pick<CacheConfig, 'ttlMinutes' | 'maxBytes'>): { ttlMs: number; maxBytes: number } {
  return { ttlMs: Math.round(section.ttlMinutes * 60_000), maxBytes: section.maxBytes };
}
