/**
 * What the routing editor should hear about a config that is valid but will
 * not work as written: a route target that names no model Homeport serves
 * (often a typo). Such a target is kept, since the model may appear later (a
 * runtime that starts, a file added to a folder); requests skip it until
 * then, and GET/PUT /routing say so now.
 */
import type { RoutingConfig } from '../config/routing-schema.js';
import { parseTarget } from '../routing/targets.js';

export function routeTargetWarnings(config: RoutingConfig, isLocalModel: (name: string) => boolean): string[] {
  const providers = new Set(Object.keys(config.providers));
  const warnings: string[] = [];
  for (const [routeName, route] of Object.entries(config.routes)) {
    for (const text of route.targets) {
      const ref = parseTarget(text, providers);
      if (ref.kind !== 'local' || isLocalModel(ref.model)) continue;
      warnings.push(
        `Route "${routeName}": target "${text}" names no model Homeport serves now (see GET /v1/models for the names), so requests skip it until one appears.`,
      );
    }
  }
  return warnings;
}
