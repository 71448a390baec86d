/**
 * What the engine says about an answer in its response headers:
 * `x-homeport-route` (the tier and target that answered), `x-homeport-cache`
 * (hit | miss | bypass | off) and `x-homeport-request-id` (the request log
 * record). Pure: headers in, a small record out; unknown shapes are kept as text.
 */

export interface ResponseMeta {
  readonly requestId?: string;
  readonly cache?: string;
  /** The header as sent, e.g. `local; target=local:stories; model=stories`. */
  readonly route?: string;
  /** The tier named in the route header (its first part), when it names one. */
  readonly tier?: string;
}

const TIERS = new Set(['cache', 'local', 'network', 'cloud']);

export function readResponseMeta(headers: { get(name: string): string | null }): ResponseMeta {
  const route = headers.get('x-homeport-route') ?? undefined;
  const cache = headers.get('x-homeport-cache') ?? undefined;
  const requestId = headers.get('x-homeport-request-id') ?? undefined;
  const first = route?.split(';')[0]?.trim().toLowerCase();
  const tier = cache === 'hit' ? 'cache' : first && TIERS.has(first) ? first : undefined;
  return {
    ...(requestId ? { requestId } : {}),
    ...(cache ? { cache } : {}),
    ...(route ? { route } : {}),
    ...(tier ? { tier } : {}),
  };
}

/** The headers worth showing in the raw response view (never anything secret: these are response headers). */
export function headerRecord(headers: { forEach(callback: (value: string, key: string) => void): void }): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}
