/**
 * Forcing a tier: the `x-homeport-tier` request header (`cache`, `local`,
 * `network`, `cloud`) limits a routed request to that tier's targets. The
 * Playground's "force a tier" control sends it; any app may. Pure: the router
 * reads the header once and asks `forcedTierVerdict` per target.
 */
import { GatewayError } from '../gateway/errors.js';
import type { Tier } from '../requests/types.js';
import type { Verdict } from './policies.js';

export const TIER_HEADER = 'x-homeport-tier';
export const TIERS: readonly Tier[] = ['cache', 'local', 'network', 'cloud'];

export type ForcedTier =
  /** `tier` null: the header is absent (or empty), every tier may answer. */
  | { readonly ok: true; readonly tier: Tier | null }
  | { readonly ok: false; readonly message: string };

/** The header's value as a tier (case and surrounding spaces ignored), or a message naming the allowed values. */
const NONE: ForcedTier = { ok: true, tier: null };

export function parseForcedTier(value: string | readonly string[] | undefined): ForcedTier {
  if (value === undefined) return NONE;
  const values = typeof value === 'string' ? [value] : value;
  const text = values.join(',').trim().toLowerCase();
  if (text === '') return NONE;
  const tier = TIERS.find((t) => t === text);
  if (tier !== undefined) return { ok: true, tier };
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return { ok: false, message: `Unknown ${TIER_HEADER} "${shown}": use one of ${TIERS.join(', ')} (or leave the header out to let the route decide).` };
}

/** A target outside the forced tier is not tried, with that reason; null when the tier does not rule it out. */
export function forcedTierVerdict(targetTier: Tier, forced: Tier | null): Verdict | null {
  if (forced === null || targetTier === forced) return null;
  return { go: false, reason: `not tried: tier forced to ${forced}` };
}

/**
 * For a model name with no route (answered by its own local model, nothing
 * else): null when the header allows that (absent, empty or `local`), else
 * the OpenAI-shaped error to answer — the gateway's unrouted path calls this.
 */
export function unroutedTierError(value: string | readonly string[] | undefined, model: string): GatewayError | null {
  const forced = parseForcedTier(value);
  if (!forced.ok) return new GatewayError({ status: 400, code: 'invalid_tier', param: TIER_HEADER, message: forced.message });
  if (forced.tier === null || forced.tier === 'local') return null;
  return new GatewayError({
    status: 400,
    code: 'no_target_in_tier',
    param: TIER_HEADER,
    message: `"${model}" has no route, so only its local model answers it (no ${forced.tier} tier). Add a route with a ${forced.tier} target for it, or leave ${TIER_HEADER} out.`,
  });
}
