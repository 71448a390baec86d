/**
 * The error a routed request gets when no target answered, from what the
 * attempts said (pure): an endpoint a local runtime does not serve, no target
 * in the forced tier, a prompt that fits no target's context, or 503 naming
 * every target and why it could not answer.
 */
import { GatewayError } from '../gateway/errors.js';
import type { Attempt, Tier } from '../requests/types.js';
import { TIER_HEADER } from './forced-tier.js';
import type { ResolvedRoute } from './route-table.js';

export interface NothingAnswered {
  readonly route: ResolvedRoute;
  readonly failures: readonly Attempt[];
  readonly forcedTier: Tier | null;
  /** Targets of the forced tier (all of them when none is forced). */
  readonly inTier: number;
  readonly inTierFailures: number;
  /** Every in-tier target failed only because the prompt did not fit. */
  readonly contextOnly: boolean;
  readonly contextLimit?: number;
  readonly unserved?: { readonly status: number; readonly message: string };
}

/** The error when no target answered: an endpoint a runtime does not serve, no target in the forced tier, a prompt that fits nowhere, or 503 naming every target and why. */
export function nothingAnswered(facts: NothingAnswered): GatewayError {
  const { route, failures, forcedTier } = facts;
  const reasons = failures.map((f) => f.reason).join('; ');
  if (facts.unserved) {
    return new GatewayError({ status: facts.unserved.status, code: 'endpoint_not_served', message: `${facts.unserved.message}${failures.length > 1 ? ` (route "${route.name}": ${reasons})` : ''}` });
  }
  if (forcedTier !== null && facts.inTier === 0) {
    return new GatewayError({
      status: 400,
      code: 'no_target_in_tier',
      param: TIER_HEADER,
      message: `Route "${route.name}" has no ${forcedTier} target (its targets: ${route.targets.map((t) => `${t.label} (${t.tier})`).join(', ') || 'none'}). Choose another ${TIER_HEADER}, or leave it out.`,
    });
  }
  if (facts.contextOnly && facts.inTierFailures > 0) {
    return new GatewayError({
      status: 400,
      code: 'context_length_exceeded',
      param: 'messages',
      message: `The prompt does not fit any target of route "${route.name}"${facts.contextLimit ? ` (the largest context is ${facts.contextLimit} tokens)` : ''}: ${reasons}. Shorten the prompt or add a target with a larger context.`,
    });
  }
  return new GatewayError({
    status: 503,
    code: 'no_target_available',
    headers: { 'Retry-After': '2' },
    message: `No target of route "${route.name}" can answer now${forcedTier !== null ? ` (${TIER_HEADER}: ${forcedTier})` : ''}: ${failures.length ? reasons : 'the route has no targets'}.`,
  });
}
