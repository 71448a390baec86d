/**
 * The routing config turned into what the request path reads: each route
 * name and alias → its targets in the order the policy puts them, each with
 * its tier, provider and circuit breaker. Rebuilt whole on every config
 * change (breakers of targets that stay are kept), so a request never sees
 * half an update.
 */
import type { ProviderConfig, RouteConfig, RoutingConfig } from '../config/routing-schema.js';
import type { Tier } from '../requests/types.js';
import { CircuitBreaker } from './breaker.js';
import type { Price } from './cost.js';
import { isOnThisMachineOrLan } from './lan.js';
import { defaultEnvName } from '../secrets/resolver.js';
import { parseTarget, remoteTier, type TargetRef } from './targets.js';
import { addressOf, type UpstreamAddress } from '../gateway/upstream-call.js';

export interface ResolvedProvider {
  readonly name: string;
  readonly config: ProviderConfig;
  readonly onLan: boolean;
  /** Address without auth headers (added per request from the secret). */
  readonly address: UpstreamAddress;
  readonly secretName: string;
  readonly envName: string;
}

export interface ResolvedTarget {
  readonly ref: TargetRef;
  readonly label: string;
  readonly tier: Tier;
  readonly provider?: ResolvedProvider;
  readonly breaker: CircuitBreaker;
}

export interface ResolvedRoute {
  readonly name: string;
  readonly config: RouteConfig;
  readonly targets: readonly ResolvedTarget[];
  /** The first priced cloud target's price: what a local or cached answer saved. */
  readonly cloudPrice?: Price;
}

export interface RouteTable {
  readonly routes: ReadonlyMap<string, ResolvedRoute>;
  readonly providers: ReadonlyMap<string, ResolvedProvider>;
  readonly config: RoutingConfig;
}

export function buildRouteTable(config: RoutingConfig, previous: RouteTable | undefined): RouteTable {
  const providers = new Map<string, ResolvedProvider>();
  for (const [name, provider] of Object.entries(config.providers)) {
    const secretName = provider.apiKeySecret ?? name;
    providers.set(name, {
      name,
      config: provider,
      onLan: isOnThisMachineOrLan(provider.baseUrl),
      address: addressOf(provider.baseUrl, {}),
      secretName,
      envName: provider.apiKeyEnv ?? defaultEnvName(secretName),
    });
  }
  const breakers = new Map<string, CircuitBreaker>();
  for (const route of previous?.routes.values() ?? []) for (const t of route.targets) breakers.set(t.label, t.breaker);

  const names = new Set(providers.keys());
  const routes = new Map<string, ResolvedRoute>();
  for (const [name, route] of Object.entries(config.routes)) {
    let targets: ResolvedTarget[] = route.targets.map((text) => {
      const ref = parseTarget(text, names);
      const provider = ref.kind === 'remote' ? providers.get(ref.provider) : undefined;
      let breaker = breakers.get(ref.label);
      if (breaker) breaker.configure(config.breaker);
      else {
        breaker = new CircuitBreaker(config.breaker);
        breakers.set(ref.label, breaker);
      }
      return { ref, label: ref.label, tier: provider ? remoteTier(provider.config.kind) : 'local', ...(provider ? { provider } : {}), breaker };
    });
    if (route.policy === 'local-only') targets = targets.filter((t) => t.tier === 'local');
    else if (route.policy === 'cloud-only') targets = targets.filter((t) => t.tier !== 'local');
    else targets = [...targets.filter((t) => t.tier === 'local'), ...targets.filter((t) => t.tier !== 'local')];
    const priced = targets.find((t) => t.provider?.config.kind === 'cloud' && t.provider.config.prices[t.ref.model]);
    const resolved: ResolvedRoute = {
      name,
      config: route,
      targets,
      ...(priced ? { cloudPrice: priced.provider!.config.prices[priced.ref.model] } : {}),
    };
    routes.set(name, resolved);
    for (const alias of route.aliases) if (!routes.has(alias)) routes.set(alias, resolved);
  }
  return { routes, providers, config };
}
