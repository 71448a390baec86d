/**
 * Whether a request may read from and write to the cache. Pure: data in, a
 * decision with a reason out.
 *
 * - A route with the cache off neither reads nor writes.
 * - `Cache-Control: no-cache` skips the read, `no-store` skips the write.
 * - Sampled answers (temperature above 0, or unset, which means the runtime's
 *   default, without a seed) differ run to run: cached only when the route
 *   allows sampling. Temperature 0 or a fixed seed is repeatable.
 */
import type { CachePolicyDecision, CachePolicyInput } from './types.js';

/** How the router labels the request in `x-homeport-cache` when it does not read. */
export type CacheMode = 'off' | 'bypass' | 'use';

export interface CachePolicyVerdict extends CachePolicyDecision {
  /** off: cache not in play for this route or request; bypass: the client asked to skip it; use: read and/or write. */
  readonly mode: CacheMode;
}

export interface CacheControlDirectives {
  readonly noCache: boolean;
  readonly noStore: boolean;
}

/** The request directives of a Cache-Control header that concern the cache (case-insensitive, comma-separated). */
export function parseCacheControl(header: string | undefined): CacheControlDirectives {
  if (header === undefined || header === '') return { noCache: false, noStore: false };
  let noCache = false;
  let noStore = false;
  for (const raw of header.split(',')) {
    const directive = raw.trim().toLowerCase().split('=')[0]!.trim();
    if (directive === 'no-cache') noCache = true;
    else if (directive === 'no-store') noStore = true;
  }
  return { noCache, noStore };
}

/** Why a body's answer is not repeatable, or undefined when it is. */
export function samplingReason(body: Readonly<Record<string, unknown>>): string | undefined {
  const { temperature, seed } = body;
  if (typeof seed === 'number' && Number.isFinite(seed)) return undefined;
  if (temperature === 0) return undefined;
  if (typeof temperature === 'number') return `temperature ${temperature} without a seed samples a different answer each time`;
  return 'no temperature and no seed: the runtime samples at its default temperature';
}

export function cachePolicy(input: CachePolicyInput): CachePolicyVerdict {
  const { request, headers, routeSettings } = input;
  if (!routeSettings.enabled) {
    return { read: false, write: false, mode: 'off', reason: `cache off for route ${request.route}` };
  }
  const sampling = samplingReason(request.body);
  if (sampling !== undefined && !routeSettings.allowSampling) {
    return { read: false, write: false, mode: 'off', reason: `not cached: ${sampling} (route ${request.route} does not allow caching sampled answers)` };
  }
  const { noCache, noStore } = parseCacheControl(headers.cacheControl);
  if (noCache && noStore) {
    return { read: false, write: false, mode: 'bypass', reason: 'Cache-Control: no-cache, no-store — neither read nor written' };
  }
  if (noCache) return { read: false, write: true, mode: 'bypass', reason: 'Cache-Control: no-cache — not read, the answer is stored' };
  if (noStore) return { read: true, write: false, mode: 'use', reason: 'Cache-Control: no-store — read, the answer is not stored' };
  const why = sampling === undefined ? 'repeatable request' : `sampled answer cached: route ${request.route} allows sampling`;
  return { read: true, write: true, mode: 'use', reason: why };
}
