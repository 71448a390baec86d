/**
 * Forcing a tier from the Playground: Auto leaves the choice to the router;
 * Cache, Local, Network or Cloud send `x-homeport-tier`, which tells the
 * router to answer from that tier only (or say why it cannot). Pure.
 */
import type { Tier } from '../../../preload/contract.js';

export type TierChoice = 'auto' | Tier;

export const TIER_HEADER = 'x-homeport-tier';

export interface TierOption {
  readonly value: TierChoice;
  readonly label: string;
  /** What forcing it means, for the tooltip. */
  readonly detail: string;
}

export const TIER_OPTIONS: readonly TierOption[] = [
  { value: 'auto', label: 'Auto', detail: 'The route decides: cache, then this machine, then the network or a cloud.' },
  { value: 'cache', label: 'Cache', detail: 'Answer only from the response cache; a miss is an error, nothing is generated.' },
  { value: 'local', label: 'Local', detail: 'Answer only with a runtime on this machine.' },
  { value: 'network', label: 'Network', detail: 'Answer only with a server on your network.' },
  { value: 'cloud', label: 'Cloud', detail: 'Answer only with a cloud provider (costs money; refused in privacy mode).' },
];

/** The request headers for a choice: none for Auto. */
export function tierHeaders(choice: TierChoice): Record<string, string> {
  return choice === 'auto' ? {} : { [TIER_HEADER]: choice };
}

export function isTierChoice(value: unknown): value is TierChoice {
  return TIER_OPTIONS.some((o) => o.value === value);
}
