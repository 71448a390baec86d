/**
 * Routing and the response cache over HTTP (mounted under /homeport/v1):
 *
 *   GET    /routing         { providers (with apiKey: set/not set, never a value), routes, privacy, breaker, warnings (targets naming no model) }
 *   PUT    /routing         the same keys; validated (400 naming the bad field), saved atomically to the
 *                           config file, applied at once without a restart
 *   GET    /providers       per provider: health, load (from its /metrics), circuit breakers, today's spend, budget left
 *   GET    /cache           whether the cache is on now, hit/miss counts, entries, bytes, per route
 *   DELETE /cache?route=    clear the cache, or one route's entries
 */
import { readFile } from 'node:fs/promises';
import express, { Router, type Request, type Response } from 'express';
import type { ResponseCache } from '../cache/types.js';
import { describeZodIssues } from '../config/errors.js';
import { routingSectionSchema, type RoutingConfig } from '../config/routing-schema.js';
import { saveConfig } from '../config/store.js';
import type { ConfigInput } from '../config/schema.js';
import { GatewayError } from '../gateway/errors.js';
import type { Router as RequestRouter } from '../routing/router.js';
import type { SecretResolver, SecretListing } from '../secrets/resolver.js';
import { routeTargetWarnings } from './route-warnings.js';

export interface RoutingRoutesOptions {
  readonly router: RequestRouter;
  readonly secrets: SecretResolver;
  /** The config file PUT /routing writes. */
  readonly configFile: string;
  readonly cache?: ResponseCache;
  /** The global cache switch as it is now (Settings turns it on and off live); read on every GET /cache. Default: on when there is a cache. */
  readonly cacheEnabled?: () => boolean;
  /** Whether a name is a model Homeport serves now (a target naming none gets a warning in GET/PUT /routing). */
  readonly isLocalModel?: (name: string) => boolean;
}

const ROUTING_KEYS = ['providers', 'routes', 'privacy', 'breaker'] as const;

export function createRoutingRouter(options: RoutingRoutesOptions): Router {
  const { router, secrets } = options;
  const api = Router();
  const json = express.json({ limit: '1mb' });
  // PUTs are applied one at a time, in order.
  let saving: Promise<unknown> = Promise.resolve();

  async function keyStatus(): Promise<Map<string, SecretListing>> {
    return new Map((await secrets.list()).map((s) => [s.name, s]));
  }

  async function view(config: RoutingConfig) {
    const keys = await keyStatus();
    const providers = Object.fromEntries(
      Object.entries(config.providers).map(([name, p]) => {
        const secretName = router.routes.providers.get(name)?.secretName ?? name;
        const key = keys.get(secretName);
        return [name, { ...p, apiKey: { secret: secretName, set: key?.set ?? false, ...(key?.source ? { source: key.source } : {}), env: key?.env ?? [] } }];
      }),
    );
    const warnings = options.isLocalModel ? routeTargetWarnings(config, options.isLocalModel) : [];
    return { providers, routes: config.routes, privacy: config.privacy, breaker: config.breaker, warnings };
  }

  api.get('/routing', async function getRouting(_req: Request, res: Response) {
    res.json(await view(router.config));
  });

  api.put('/routing', json, async function putRouting(req: Request, res: Response) {
    const body = stripKeyStatus(req.body);
    const parsed = routingSectionSchema.safeParse(body);
    if (!parsed.success) {
      const problems = describeZodIssues(parsed.error);
      const first = parsed.error.issues[0];
      throw new GatewayError({ status: 400, code: 'invalid_value', param: first?.path.length ? first.path.map(String).join('.') : null, message: `The routing config is invalid: ${problems.join('; ')}` });
    }
    const apply = async () => {
      const current = await readConfigFile(options.configFile);
      const next: Record<string, unknown> = { ...current };
      for (const key of ROUTING_KEYS) next[key] = (body as Record<string, unknown>)[key];
      for (const key of ROUTING_KEYS) if (next[key] === undefined) delete next[key];
      const saved = await saveConfig(options.configFile, next as ConfigInput).catch((error: unknown) => {
        throw new GatewayError({ status: 400, code: 'invalid_value', message: error instanceof Error ? error.message : String(error) });
      });
      router.update({ providers: saved.providers, routes: saved.routes, privacy: saved.privacy, breaker: saved.breaker });
    };
    const run = saving.then(apply, apply);
    saving = run.catch(() => undefined);
    await run;
    res.json(await view(router.config));
  });

  api.get('/providers', async function providers(_req: Request, res: Response) {
    const keys = await keyStatus();
    const table = router.routes;
    const data = [...table.providers.values()].map((p) => {
      const spent = router.spentToday(p.name);
      const breakers: Record<string, unknown> = {};
      for (const route of table.routes.values()) for (const t of route.targets) if (t.provider?.name === p.name) breakers[t.label] = t.breaker.view();
      const health = router.health.get(p.name);
      const key = keys.get(p.secretName);
      return {
        name: p.name,
        kind: p.config.kind,
        baseUrl: p.config.baseUrl,
        tier: p.config.kind === 'cloud' ? 'cloud' : 'network',
        onLan: p.onLan,
        allowedInPrivacyMode: p.onLan,
        apiKey: { secret: p.secretName, set: key?.set ?? false, ...(key?.source ? { source: key.source } : {}) },
        health: health ? { ok: health.ok, reason: health.reason, checkedAt: health.checkedAt } : null,
        load: health?.load ?? null,
        breakers,
        spentTodayUsd: round6(spent),
        dailyBudgetUsd: p.config.dailyBudgetUsd ?? null,
        budgetLeftUsd: p.config.dailyBudgetUsd === undefined ? null : round6(Math.max(0, p.config.dailyBudgetUsd - spent)),
      };
    });
    res.json({ object: 'list', data, privacy: table.config.privacy });
  });

  api.get('/cache', function cacheStats(_req: Request, res: Response) {
    if (!options.cache) {
      res.json({ enabled: false, hits: 0, misses: 0, entries: 0, bytes: 0, byRoute: {} });
      return;
    }
    // Off in Settings, the entries are kept (and counted) but no request reads or writes them.
    res.json({ enabled: options.cacheEnabled?.() ?? true, ...options.cache.stats() });
  });

  api.delete('/cache', function clearCache(req: Request, res: Response) {
    const route = typeof req.query.route === 'string' && req.query.route.length > 0 ? req.query.route : undefined;
    const removed = options.cache ? options.cache.clear(route) : 0;
    res.json({ removed, ...(route ? { route } : {}) });
  });

  return api;
}

/** GET /routing adds `apiKey` status to each provider and `warnings`; a PUT of the same document drops them again. */
function stripKeyStatus(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const copy = { ...(body as Record<string, unknown>) };
  // The warnings GET adds are the engine's words, not config.
  if (Array.isArray(copy.warnings)) delete copy.warnings;
  const providers = copy.providers;
  if (typeof providers === 'object' && providers !== null) {
    copy.providers = Object.fromEntries(
      Object.entries(providers as Record<string, unknown>).map(([name, p]) => {
        if (typeof p !== 'object' || p === null) return [name, p];
        const { apiKey, ...rest } = p as Record<string, unknown>;
        return [name, typeof apiKey === 'object' ? rest : p];
      }),
    );
  }
  return copy;
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
