import { z } from 'zod';

/**
 * Routing in the config file: providers (any OpenAI-compatible base URL, a
 * cloud or a self-hosted server on the LAN), routes (a model name apps ask
 * for → an ordered list of targets) and the privacy switch. Merged into the
 * main schema as `...routingShape`; the engine API replaces these three keys
 * as one unit (PUT /homeport/v1/routing).
 *
 * Keys are never in this file: a provider names the secret that holds its key.
 */

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits and . _ - only, at most 64 characters');

export const priceSchema = z
  .object({
    /** US dollars per million prompt tokens. */
    inputPerMTok: z.number().min(0),
    /** US dollars per million completion tokens. */
    outputPerMTok: z.number().min(0),
  })
  .strict();

export const providerConfigSchema = z
  .object({
    /** The OpenAI-compatible base URL, ending in /v1 (e.g. https://api.openai.com/v1, http://den-pc.local:11434/v1). */
    baseUrl: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL, e.g. https://api.openai.com/v1' }),
    /** `cloud`: a paid service; `self-hosted`: a server of yours (health-checked, load read from its /metrics). */
    kind: z.enum(['cloud', 'self-hosted']).default('cloud'),
    /** The secret holding the API key (`homeport secrets set NAME`); defaults to the provider's name. */
    apiKeySecret: name.optional(),
    /** Environment variable read when the secret is not set (default: <NAME>_API_KEY, e.g. OPENAI_API_KEY). */
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'an environment variable name in capitals').optional(),
    /** Prices per model, for cost and budget. */
    prices: z.record(z.string().min(1), priceSchema).default({}),
    /** Stop sending to this provider once today's spend reaches this (US dollars). */
    dailyBudgetUsd: z.number().min(0).optional(),
    /** Context length (tokens) per model, for the context guard; unknown models are not checked before sending. */
    contextTokens: z.record(z.string().min(1), z.number().int().min(1)).default({}),
    /** `llama-server`: the context guard counts prompts exactly with the server's POST /tokenize (and /apply-template for chat) instead of an estimate. */
    tokenizer: z.enum(['llama-server']).optional(),
    /** Parallel requests this provider serves before queueing (self-hosted), for the predicted wait. */
    parallel: z.number().int().min(1).max(4096).optional(),
    /** Where the server's Prometheus metrics are, relative to the origin (self-hosted; default /metrics). */
    metricsPath: z.string().startsWith('/').optional(),
  })
  .strict();

export const routeConfigSchema = z
  .object({
    /** Ordered: `local:<model>` (or a bare local model name) and `<provider>:<model>`. */
    targets: z.array(z.string().min(1)).min(1).max(16),
    /** `prefer-local` tries local targets first; `local-only` and `cloud-only` drop the others. */
    policy: z.enum(['local-only', 'prefer-local', 'cloud-only']).default('prefer-local'),
    /** A local target whose predicted wait exceeds this is busy and skipped (ms). */
    maxQueueWaitMs: z.number().int().min(0).max(600_000).default(2000),
    /** Time to the first byte of an answer before that target counts as failed (ms). */
    firstByteTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
    /** Time allowed between two stream events (ms). */
    idleTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Extra tries of one target after a connection error, timeout, 429 or 5xx before its first byte. */
    retries: z.number().int().min(0).max(5).default(1),
    /** The exact response cache (chat completions). */
    cache: z
      .object({
        enabled: z.boolean().default(true),
        /** Also cache answers sampled with temperature > 0 and no seed. */
        allowSampling: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** The near-identical cache; off unless set. */
    semanticCache: z.object({ threshold: z.number().min(0.5).max(1).default(0.95) }).strict().optional(),
    /** Other names apps may use for this route. */
    aliases: z.array(z.string().min(1)).max(32).default([]),
  })
  .strict();

export const breakerConfigSchema = z
  .object({
    /** Consecutive failures that open a target's circuit. */
    failures: z.number().int().min(1).max(100).default(3),
    /** First cooldown; doubles on each failed probe up to maxCooldownMs. */
    cooldownMs: z.number().int().min(100).max(3_600_000).default(5000),
    maxCooldownMs: z.number().int().min(100).max(86_400_000).default(60_000),
  })
  .strict();

export const routingShape = {
  providers: z.record(name, providerConfigSchema).default({}),
  routes: z.record(z.string().min(1).max(128), routeConfigSchema).default({}),
  /** Only this machine and the LAN: every cloud target is skipped. */
  privacy: z.boolean().default(false),
  breaker: breakerConfigSchema.prefault({}),
} as const;

/** Every provider a route names exists, and every target names a model. */
export function checkRouteTargets(
  section: { readonly providers: Readonly<Record<string, unknown>>; readonly routes: Readonly<Record<string, { readonly targets: readonly string[] }>> },
  ctx: z.RefinementCtx,
): void {
  for (const [routeName, route] of Object.entries(section.routes)) {
    route.targets.forEach((target, i) => {
      const path = ['routes', routeName, 'targets', i];
      const colon = target.indexOf(':');
      if (colon === target.length - 1) {
        ctx.addIssue({ code: 'custom', path, message: 'a target names a model after the colon, e.g. local:llama3 or openai:gpt-4o-mini' });
        return;
      }
      const provider = colon > 0 ? target.slice(0, colon) : 'local';
      if (provider !== 'local' && !Object.hasOwn(section.providers, provider)) {
        ctx.addIssue({ code: 'custom', path, message: `no provider "${provider}" (add it under providers, or write local:${target} for a local model)` });
      }
    });
  }
}

/** The routing keys alone, as GET/PUT /homeport/v1/routing carries them. */
export const routingSectionSchema = z.object(routingShape).strict().superRefine(checkRouteTargets);

export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type RouteConfig = z.infer<typeof routeConfigSchema>;
export type BreakerConfig = z.infer<typeof breakerConfigSchema>;
export type RoutingConfig = z.infer<typeof routingSectionSchema>;
export type RoutingConfigInput = z.input<typeof routingSectionSchema>;
