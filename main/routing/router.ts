/**
 * The router: between the gateway (which has read and checked the body) and
 * the runtimes and providers. For a request whose model names a route it
 *
 * 1. asks the cache (chat completions, when the route and the request allow it);
 * 2. decides, with the pure policies, which targets may take the request and
 *    why the others may not (busy, offline, circuit open, budget, privacy);
 * 3. tries them in order — retrying a target with backoff on a connection
 *    error, a timeout, a 429 or a 5xx before its first byte, moving on when
 *    its context is too small, returning any other 4xx as is — and relays the
 *    first answer unbuffered;
 * 4. records every step in the request trace, and answers 503 naming every
 *    target and why when none could.
 *
 * Once an answer has started streaming there is no failover (stream-relay.ts).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RoutingConfig } from '../config/routing-schema.js';
import type { ModelEntry } from '../gateway/types.js';
import { GatewayError, sendError } from '../gateway/errors.js';
import { readUsage } from '../gateway/usage.js';
import type { MetricsSink, RequestMeter, Usage } from '../metrics/types.js';
import type { RequestTrace } from '../requests/request-log.js';
import type { Attempt } from '../requests/types.js';
import type { ResponseCache, ChatCompletionJson, CacheRequest, StreamAssembler } from '../cache/types.js';
import { redact } from '../secrets/redact.js';
import type { SecretResolver } from '../secrets/resolver.js';
import { costOf } from './cost.js';
import { LoadTracker } from './load-tracker.js';
import { estimateTokens, judgeContext, judgeLocal, judgeRemote, seconds, type Verdict } from './policies.js';
import { firstUnhonoured, requiredFeatures } from '../probe/required-features.js';
import type { FeatureVerdict, ProbeFeature } from '../probe/types.js';
import { ProviderHealthMonitor } from './provider-health.js';
import { buildRouteTable, type ResolvedRoute, type ResolvedTarget, type RouteTable } from './route-table.js';
import { relayStream } from './stream-relay.js';
import { renameModel } from './model-rename.js';
import { ModelEcho } from '../gateway/model-echo.js';
import { openAIErrorBody, runtimeErrorMessage } from '../gateway/runtime-error.js';
import { sleepUnlessGone, type ClientGone } from './client-gone.js';
import { nothingAnswered } from './nothing-answered.js';
import { roundMs, SERVER_TIMING, timingHeader } from './server-timing.js';
import { tryUpstream, type TryResult } from './upstream.js';
import { createUpstreamDispatcher, endpointAddress, type UpstreamAddress } from '../gateway/upstream-call.js';
import { routeCacheSettings } from '../cache/route-settings.js';
import { contextLimitOf, isContextError } from './context-errors.js';
import { forcedTierVerdict, parseForcedTier, TIER_HEADER } from './forced-tier.js';
import { countable, countWithLlamaServer, type PromptCount } from './prompt-tokens.js';
import { unservedEndpointAdvice, unservedMessage } from '../runtimes/external/unserved-endpoint.js';
import type { Tier } from '../requests/types.js';

export interface LocalModels {
  resolve(name: string): ModelEntry | undefined;
  /** Parallel slots and context per slot, when known. */
  facts(modelId: string): { readonly parallel?: number; readonly contextLength?: number } | undefined;
}

export interface RouterOptions {
  readonly config: RoutingConfig;
  readonly local: LocalModels;
  /**
   * Looks for runtimes again (runtimes/external/refresh-on-miss.ts): run once when a route's local target
   * names a model Homeport does not know right now, e.g. of a llama-server restarted since the last pass.
   */
  readonly refreshOnMiss?: () => Promise<void>;
  readonly secrets: SecretResolver;
  readonly metrics: MetricsSink;
  readonly readyDeadlineMs: number;
  readonly cache?: ResponseCache;
  /** The config's global cache switch (off: no route reads or writes the cache). */
  readonly cacheEnabled?: boolean;
  /** Today's spend per provider at start (from the request log). */
  readonly spentToday?: ReadonlyMap<string, number>;
  readonly healthIntervalMs?: number;
  readonly now?: () => number;
  /** What the newest feature probe says of a local model (probe/); a target known not to honour what a request uses is skipped. */
  readonly features?: (modelId: string) => { readonly verdicts: Readonly<Partial<Record<ProbeFeature, FeatureVerdict>>> } | null;
}

export interface RoutedRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly raw: Buffer;
  readonly json: Readonly<Record<string, unknown>>;
  readonly stream: boolean;
  /** e.g. `chat.completions`. */
  readonly endpointName: string;
  /** e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly route: ResolvedRoute;
  readonly trace: RequestTrace;
  /** The client going away (its response closed before it finished). */
  readonly clientGone: ClientGone;
}

/** A target's decision before any call, as the routing decision reports it. */
export interface TargetDecision {
  readonly target: ResolvedTarget;
  readonly verdict: Verdict;
}

/** What the decision knows of the request besides its size. */
export interface DecisionFacts {
  /** Features the request uses (tools, json_schema, logprobs); a local target known not to honour one is skipped. */
  readonly required?: readonly ProbeFeature[];
  /** `x-homeport-tier`: only targets of this tier may answer. */
  readonly forcedTier?: Tier | null;
  /** Prompt tokens per target label, counted by the target's tokenizer before the decision (or why not). */
  readonly promptTokens?: ReadonlyMap<string, PromptCount>;
}

type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'aborted' }
  | {
      readonly kind: 'next';
      readonly attempt: Attempt;
      readonly context?: { readonly limit?: number };
      /** The runtime refused the endpoint itself (not served); what to tell the client if nothing else answers. */
      readonly unserved?: { readonly status: number; readonly message: string };
    };

/** The verdict's reason for a local target whose model is not known right now. */
const NO_LOCAL_MODEL = 'offline: no local model';
/** How long the context guard waits for a target's tokenizer before falling back to the estimate. */
const TOKENIZE_TIMEOUT_MS = 1000;
const BACKOFF_MS = 100;
const MAX_RETRY_AFTER_MS = 2000;

export class Router {
  private table: RouteTable;
  readonly load = new LoadTracker();
  readonly health: ProviderHealthMonitor;
  private readonly dispatcher = createUpstreamDispatcher();
  private readonly spend = new Map<string, number>();
  private spendDay: string;
  private readonly now: () => number;
  /** Secret values seen (keys of providers), scrubbed from anything that came from upstream. */
  private readonly knownSecrets = new Set<string>();

  constructor(private readonly options: RouterOptions) {
    this.now = options.now ?? Date.now;
    this.spendDay = dayKey(this.now());
    for (const [p, v] of options.spentToday ?? []) this.spend.set(p, v);
    this.health = new ProviderHealthMonitor({ intervalMs: options.healthIntervalMs, scrub: (t) => this.scrub(t) });
    this.table = buildRouteTable(options.config, undefined);
    this.applyTable();
  }

  get config(): RoutingConfig {
    return this.table.config;
  }

  get routes(): RouteTable {
    return this.table;
  }

  /** Apply a new routing config at once (no restart); circuit breakers of unchanged targets are kept. */
  update(config: RoutingConfig): void {
    this.table = buildRouteTable(config, this.table);
    this.applyTable();
  }

  private applyTable(): void {
    this.options.secrets.resetDeclared();
    for (const p of this.table.providers.values()) this.options.secrets.declare(p.secretName, p.envName);
    this.health.watch(
      [...this.table.providers.values()]
        .filter((p) => p.config.kind === 'self-hosted')
        .map((p) => ({ name: p.name, baseUrl: p.config.baseUrl, metricsPath: p.config.metricsPath ?? '/metrics', headers: () => this.authHeaders(p.secretName) })),
    );
  }

  /** The route a model name selects, if any (one Map lookup: this is on every request). */
  route(model: string): ResolvedRoute | undefined {
    return this.table.routes.get(model);
  }

  /** What each provider has cost today. */
  spentToday(provider: string): number {
    this.rollDay();
    return this.spend.get(provider) ?? 0;
  }

  private rollDay(): void {
    const day = dayKey(this.now());
    if (day !== this.spendDay) {
      this.spendDay = day;
      this.spend.clear();
    }
  }

  private addSpend(provider: string, usd: number): void {
    if (usd <= 0) return;
    this.rollDay();
    this.spend.set(provider, (this.spend.get(provider) ?? 0) + usd);
  }

  private scrub(text: string): string {
    return redact(text, { secrets: [...this.knownSecrets] });
  }

  private async authHeaders(secretName: string): Promise<Record<string, string>> {
    const key = await this.options.secrets.get(secretName).catch(() => undefined);
    if (!key) return {};
    this.knownSecrets.add(key);
    return { authorization: `Bearer ${key}` };
  }

  /**
   * The routing decision: every target of the route with its verdict, from
   * what is known right now (no I/O). Pure apart from reading the state.
   */
  decide(route: ResolvedRoute, promptBytes: number, facts: DecisionFacts = {}): TargetDecision[] {
    const privacy = this.table.config.privacy;
    return route.targets.map((target) => ({ target, verdict: this.judge(target, route, privacy, promptBytes, facts) }));
  }

  private judge(target: ResolvedTarget, route: ResolvedRoute, privacy: boolean, promptBytes: number, facts: DecisionFacts): Verdict {
    const outside = forcedTierVerdict(target.tier, facts.forcedTier ?? null);
    if (outside) return outside;
    const required = facts.required ?? [];
    const breaker = target.breaker.state();
    if (breaker === 'open') return { go: false, reason: target.breaker.check().reason };
    if (target.ref.kind === 'local') {
      const entry = this.options.local.resolve(target.ref.model);
      if (!entry) return { go: false, reason: `${NO_LOCAL_MODEL} "${target.ref.model}"` };
      if (required.length > 0) {
        const blocked = firstUnhonoured(entry.id, required, this.options.features?.(entry.id)?.verdicts ?? null);
        if (blocked !== null) return { go: false, reason: `unsuitable: ${blocked.reason}` };
      }
      const snap = entry.runtime.snapshot();
      const facts = this.options.local.facts(entry.id);
      return judgeLocal({
        state: snap.state,
        lastError: snap.lastError,
        inFlight: this.load.inFlight(entry.runtime.id),
        slots: facts?.parallel,
        meanRequestMs: this.load.meanRequestMs(entry.runtime.id),
        maxQueueWaitMs: route.config.maxQueueWaitMs,
      });
    }
    const provider = target.provider!;
    const verdict = judgeRemote({
      provider: provider.name,
      kind: provider.config.kind,
      privacy,
      onLan: provider.onLan,
      hasKey: true, // checked when the key is read, just before the call
      keyHint: '',
      spentTodayUsd: this.spentToday(provider.name),
      dailyBudgetUsd: provider.config.dailyBudgetUsd,
      health: this.health.get(provider.name),
      parallel: provider.config.parallel,
      meanRequestMs: this.load.meanRequestMs(target.label),
      maxQueueWaitMs: route.config.maxQueueWaitMs,
    });
    if (!verdict.go) return verdict;
    const contextTokens = provider.config.contextTokens[target.ref.model];
    const count = facts.promptTokens?.get(target.label);
    const context = count?.exact
      ? judgeContext({ promptTokens: count.tokens, exact: true, contextTokens, counter: count.counter })
      : judgeContext({ promptTokens: estimateTokens(promptBytes), exact: false, contextTokens, ...(count ? { countFailed: count.reason } : {}) });
    if (!context.go) return context;
    return contextTokens === undefined ? verdict : { go: true, reason: `${verdict.reason}; ${context.reason}` };
  }

  /**
   * Counts the prompt with the tokenizer of each target that has one
   * (`tokenizer: "llama-server"`) and a known context, among those still in
   * the running: the effect the pure decision needs, done before it. Null
   * (at once, no await on the hot path) when no target needs a count.
   */
  private countPrompts(request: RoutedRequest, decisions: readonly TargetDecision[]): Promise<Map<string, PromptCount>> | null {
    if (!countable(request.endpointName, request.json)) return null;
    const wanted = decisions.filter(({ target, verdict }) => {
      const provider = target.provider;
      if (!provider || provider.config.tokenizer !== 'llama-server' || provider.config.contextTokens[target.ref.model] === undefined) return false;
      return verdict.go || verdict.reason.startsWith('context too small');
    });
    if (wanted.length === 0) return null;
    const counting = Promise.all(
      wanted.map(async ({ target }) => {
        const provider = target.provider!;
        const count = await countWithLlamaServer({
          baseUrl: provider.config.baseUrl,
          headers: await this.authHeaders(provider.secretName),
          endpointName: request.endpointName,
          json: request.json,
          timeoutMs: TOKENIZE_TIMEOUT_MS,
          signal: request.clientGone.signal,
        });
        return [target.label, count.exact ? count : { exact: false as const, reason: this.scrub(count.reason) }] as const;
      }),
    );
    return counting.then((counts) => new Map(counts));
  }

  /** Answer one routed request. Never throws for upstream trouble: every outcome is answered and recorded. */
  async handle(request: RoutedRequest): Promise<void> {
    const { res, trace, route } = request;
    const t0 = performance.now();
    const cache = this.options.cache;
    let cacheRequest: CacheRequest | undefined;
    let writeCache = false;
    let cacheMs: number | undefined;

    const forced = parseForcedTier(request.req.headers[TIER_HEADER]);
    if (!forced.ok) {
      res.setHeader('x-homeport-cache', 'off');
      this.refuse(request, new GatewayError({ status: 400, code: 'invalid_tier', param: TIER_HEADER, message: forced.message }), { routingMs: 0 });
      return;
    }
    const forcedTier = forced.tier;
    if (forcedTier !== null) trace.forcedTier = forcedTier;
    /** With `x-homeport-tier: cache`, a request the cache cannot answer gets this, and no target is tried. */
    const cacheOnlyMiss = (reason: string): void => {
      for (const target of route.targets) trace.attempt({ target: target.label, tier: target.tier, outcome: 'skipped', reason: `${target.label} not tried: tier forced to cache` });
      this.refuse(
        request,
        new GatewayError({
          status: 404,
          code: 'cache_miss',
          param: TIER_HEADER,
          message: `No cache entry matched this request (${reason}), and ${TIER_HEADER}: cache allows no other answer. Send it without the header to let route "${route.name}" answer.`,
        }),
        { routingMs: 0, ...(cacheMs !== undefined ? { cacheMs } : {}) },
      );
    };

    if (cache && request.endpointName === 'chat.completions') {
      cacheRequest = { route: route.name, endpoint: 'chat.completions', body: request.json };
      const policy = cache.policy({
        request: cacheRequest,
        headers: { cacheControl: headerText(request.req.headers['cache-control']) },
        routeSettings: routeCacheSettings({ enabled: this.options.cacheEnabled ?? true }, route.config),
      });
      writeCache = policy.write && forcedTier !== 'cache';
      if (policy.read && forcedTier !== null && forcedTier !== 'cache') {
        trace.setCache('bypass', { reason: `not read: tier forced to ${forcedTier}` });
        trace.attempt({ target: 'cache', tier: 'cache', outcome: 'bypass', reason: `cache not tried: tier forced to ${forcedTier}` });
        res.setHeader('x-homeport-cache', 'bypass');
      } else if (policy.read) {
        const c0 = performance.now();
        const hit = await cache
          // The signal only matters while a semantic lookup embeds the question (an exact lookup does not wait).
          .lookup(cacheRequest, route.config.semanticCache ? { semanticThreshold: route.config.semanticCache.threshold, signal: request.clientGone.signal } : {})
          .catch(() => undefined);
        cacheMs = performance.now() - c0;
        trace.timing.cacheMs = roundMs(cacheMs);
        if (request.clientGone.aborted) {
          trace.finish({ status: 499, error: 'The client closed the connection.' });
          return;
        }
        if (hit) {
          const usage = (hit.completion as { usage?: Usage }).usage;
          trace.setCache('hit', { ...(hit.similarity !== undefined ? { similarity: hit.similarity } : {}), matchedEntryId: hit.matchedEntryId, reason: `${hit.kind} match` });
          trace.attempt({ target: 'cache', tier: 'cache', outcome: 'hit', reason: hit.kind === 'semantic' ? `semantic match, similarity ${hit.similarity?.toFixed(3)}` : 'exact match', ms: roundMs(cacheMs) });
          trace.serving('cache', 'cache');
          res.setHeader('x-homeport-cache', 'hit');
          res.setHeader('x-homeport-route', `route=${route.name}; target=cache; tier=cache`);
          res.setHeader(SERVER_TIMING, timingHeader(performance.now() - t0 - cacheMs, cacheMs, undefined));
          trace.firstToken();
          cache.writeReplay(res, hit.completion, { stream: request.stream, includeUsage: includeUsage(request.json), model: String(request.json.model) });
          trace.finish({ status: 200, usage, savedUsd: costOf(usage, route.cloudPrice) });
          return;
        }
        trace.setCache('miss', { reason: policy.reason });
        trace.attempt({ target: 'cache', tier: 'cache', outcome: 'miss', reason: policy.reason, ms: roundMs(cacheMs) });
        res.setHeader('x-homeport-cache', 'miss');
        if (forcedTier === 'cache') return cacheOnlyMiss(route.config.semanticCache ? 'no exact or near-identical entry' : 'no exact entry');
      } else {
        const off = !route.config.cache.enabled || this.options.cacheEnabled === false;
        trace.setCache(off ? 'off' : 'bypass', { reason: policy.reason });
        if (!off) trace.attempt({ target: 'cache', tier: 'cache', outcome: 'bypass', reason: policy.reason });
        res.setHeader('x-homeport-cache', off ? 'off' : 'bypass');
        if (forcedTier === 'cache') return cacheOnlyMiss(off ? `the cache is off for route "${route.name}"` : `the cache was not read: ${policy.reason}`);
      }
    } else {
      res.setHeader('x-homeport-cache', 'off');
      if (forcedTier === 'cache') return cacheOnlyMiss(cache ? `the cache answers chat completions only, not ${request.endpointName}` : 'the cache is off');
    }

    let d0 = performance.now();
    const facts: DecisionFacts = { required: requiredFeatures(request.json), forcedTier };
    let decisions = this.decide(route, request.raw.length, facts);
    let routingMs = performance.now() - d0;
    if (this.options.refreshOnMiss !== undefined && decisions.some((d) => d.verdict.reason.startsWith(NO_LOCAL_MODEL))) {
      await this.options.refreshOnMiss();
      if (request.clientGone.aborted) {
        trace.finish({ status: 499, error: 'The client closed the connection.' });
        return;
      }
      d0 = performance.now();
      decisions = this.decide(route, request.raw.length, facts);
      routingMs += performance.now() - d0;
    }
    const counting = this.countPrompts(request, decisions);
    if (counting !== null) {
      const counts = await counting;
      trace.timing.tokenizeMs = roundMs(performance.now() - d0 - routingMs);
      if (request.clientGone.aborted) {
        trace.finish({ status: 499, error: 'The client closed the connection.' });
        return;
      }
      d0 = performance.now();
      decisions = this.decide(route, request.raw.length, { ...facts, promptTokens: counts });
      routingMs += performance.now() - d0;
    }
    d0 = performance.now();
    // Busy only means "something else would answer sooner": with nothing else left, wait in the queue.
    if (!decisions.some((d) => d.verdict.go)) {
      decisions = decisions.map((d) => (d.verdict.reason.startsWith('busy') ? { target: d.target, verdict: { go: true, reason: `${d.verdict.reason}; queued anyway, no other target can take it` } } : d));
    }
    routingMs += performance.now() - d0;
    trace.timing.routingMs = roundMs(routingMs);

    const failures: Attempt[] = [];
    let contextLimit: number | undefined;
    let contextOnly = true;
    let inTier = 0;
    let inTierFailures = 0;
    let unserved: { readonly status: number; readonly message: string } | undefined;
    const lastGo = lastIndexWhere(decisions, (d) => d.verdict.go);
    for (let i = 0; i < decisions.length; i++) {
      const { target, verdict } = decisions[i]!;
      const outsideTier = forcedTierVerdict(target.tier, forcedTier) !== null;
      if (!outsideTier) inTier++;
      if (!verdict.go) {
        if (!outsideTier) inTierFailures++;
        const attempt: Attempt = { target: target.label, tier: target.tier, outcome: 'skipped', reason: `${target.label} ${verdict.reason}` };
        trace.attempt(attempt);
        failures.push(attempt);
        if (verdict.reason.startsWith('context too small')) {
          const limit = target.provider?.config.contextTokens[target.ref.model];
          if (limit !== undefined) contextLimit = Math.max(contextLimit ?? 0, limit);
        } else if (!outsideTier) contextOnly = false;
        continue;
      }
      const outcome = await this.attemptTarget(request, target, {
        isLast: i === lastGo,
        writeCache,
        cacheRequest,
        timing: { t0, cacheMs, routingMs, tokenizeMs: trace.timing.tokenizeMs },
        verdict,
      });
      if (outcome.kind === 'done') return;
      if (outcome.kind === 'aborted') {
        trace.finish({ status: 499, error: 'The client closed the connection.' });
        return;
      }
      trace.attempt(outcome.attempt);
      failures.push(outcome.attempt);
      inTierFailures++;
      unserved ??= outcome.unserved;
      if (outcome.context) {
        if (outcome.context.limit !== undefined) contextLimit = Math.max(contextLimit ?? 0, outcome.context.limit);
      } else contextOnly = false;
    }

    // Nothing could answer.
    const error = nothingAnswered({ route, failures, forcedTier, inTier, inTierFailures, contextOnly, ...(contextLimit !== undefined ? { contextLimit } : {}), ...(unserved ? { unserved } : {}) });
    this.refuse(request, error, { routingMs, ...(cacheMs !== undefined ? { cacheMs } : {}), ...(trace.timing.tokenizeMs !== undefined ? { tokenizeMs: trace.timing.tokenizeMs } : {}) });
  }

  /** Answers an error no target gave (nothing could answer, a bad header, a cache-only miss) and ends the record. */
  private refuse(request: RoutedRequest, error: GatewayError, timing: { readonly routingMs: number; readonly cacheMs?: number; readonly tokenizeMs?: number }): void {
    const { res, route, trace } = request;
    res.setHeader('x-homeport-route', `route=${route.name}; target=none`);
    res.setHeader(SERVER_TIMING, timingHeader(timing.routingMs, timing.cacheMs, undefined, timing.tokenizeMs));
    sendError(res, error);
    trace.finish({ status: error.status, error: error.message });
  }

  private async attemptTarget(
    request: RoutedRequest,
    target: ResolvedTarget,
    context: { isLast: boolean; writeCache: boolean; cacheRequest: CacheRequest | undefined; timing: { t0: number; cacheMs?: number; routingMs: number; tokenizeMs?: number }; verdict: Verdict },
  ): Promise<Outcome> {
    const { trace, route } = request;
    const started = performance.now();
    const attemptMs = () => roundMs(performance.now() - started);
    const next = (outcome: Attempt['outcome'], reason: string, extra: Partial<Attempt> = {}, ctx?: { limit?: number }): Outcome => ({
      kind: 'next',
      attempt: { target: target.label, tier: target.tier, outcome, reason: `${target.label} ${reason}`, ms: attemptMs(), ...extra },
      ...(ctx ? { context: ctx } : {}),
    });

    const gate = target.breaker.check();
    if (!gate.allowed) return next('skipped', gate.reason);

    let address: UpstreamAddress;
    let path = request.path;
    let body = request.raw;
    let loadKey = target.label;
    let meter: RequestMeter | undefined;
    let release: (() => void) | undefined;
    let secret: string | undefined;
    let injectedUsage = false;
    let localEntry: ModelEntry | undefined;
    let echo: ModelEcho | null = null;

    if (target.ref.kind === 'local') {
      const entry = this.options.local.resolve(target.ref.model)!;
      localEntry = entry;
      const runtime = entry.runtime;
      if (runtime.snapshot().state !== 'ready') {
        trace.setPhase('queued');
        const deadlineMs = context.isLast ? this.options.readyDeadlineMs : Math.min(route.config.maxQueueWaitMs, this.options.readyDeadlineMs);
        try {
          await runtime.ensureReady({ deadlineMs, signal: request.clientGone.signal });
        } catch (err) {
          if (gate.probe) target.breaker.release();
          if (request.clientGone.aborted) return { kind: 'aborted' };
          const state = runtime.snapshot().state;
          return next('skipped', `offline: not ready within ${seconds(deadlineMs)} (state: ${state}${err instanceof Error && state === 'failed' ? `, ${err.message}` : ''})`);
        }
      }
      // Ready now (checked above): no wait to abort, so no signal to make.
      const endpoint = await runtime.ensureReady({ deadlineMs: this.options.readyDeadlineMs, ...(runtime.snapshot().state === 'ready' ? {} : { signal: request.clientGone.signal }) });
      address = endpointAddress(endpoint);
      if (entry.upstreamModel !== request.json.model) {
        body = renameModel(request.raw, request.json, entry.upstreamModel);
        echo = ModelEcho.between(entry.upstreamModel, String(request.json.model));
      }
      loadKey = runtime.id;
      meter = this.options.metrics.begin({ modelId: entry.id, runtimeId: runtime.id, endpoint: request.endpointName, stream: request.stream });
      release = runtime.hold?.();
    } else {
      const provider = target.provider!;
      const auth = await this.authHeaders(provider.secretName);
      secret = auth.authorization?.slice('Bearer '.length);
      if (provider.config.kind === 'cloud' && !secret) {
        if (gate.probe) target.breaker.release();
        return next('skipped', `no API key: set it with \`homeport secrets set ${provider.secretName}\` or ${provider.envName}`);
      }
      address = { ...provider.address, headers: auth };
      path = request.path.replace(/^\/v1/, '');
      if (request.stream && request.endpointName !== 'embeddings' && !includeUsage(request.json)) {
        const stream_options = { ...(isRecord(request.json.stream_options) ? request.json.stream_options : {}), include_usage: true };
        body = Buffer.from(JSON.stringify({ ...request.json, model: target.ref.model, stream_options }));
        injectedUsage = true;
      } else body = renameModel(request.raw, request.json, target.ref.model);
    }

    const endLoad = this.load.begin(loadKey);
    let finished = false;
    const endAll = (ok: boolean, status: number, usage?: Usage, error?: string) => {
      if (finished) return;
      finished = true;
      endLoad(ok);
      release?.();
      meter?.finish({ status, ...(usage ? { usage } : {}), ...(error ? { error } : {}) });
    };
    const scrub = (text: string) => (secret ? redact(text, { secrets: [secret, ...this.knownSecrets] }) : text);

    trace.serving(target.label, target.tier);
    trace.setPhase('prefill');
    meter?.forwarded();
    const retries = route.config.retries;
    let answer: Extract<TryResult, { kind: 'whole' | 'stream' }> | undefined;
    let lastReason = '';
    let lastStatus: number | undefined;
    let tries = 0;
    for (let i = 0; i <= retries; i++) {
      tries++;
      const result = await tryUpstream({
        address,
        dispatcher: this.dispatcher,
        path,
        body,
        ...(request.req.headers.accept !== undefined ? { accept: request.req.headers.accept } : {}),
        stream: request.stream,
        firstByteTimeoutMs: route.config.firstByteTimeoutMs,
        clientGone: request.clientGone,
      });
      if (result.kind === 'aborted') {
        if (gate.probe) target.breaker.release();
        endAll(false, 499, undefined, 'The client closed the connection.');
        return { kind: 'aborted' };
      }
      const advice = result.kind === 'whole' && localEntry ? unservedAdvice(localEntry, request.path, result) : null;
      if (result.kind === 'error') {
        target.breaker.failure();
        lastReason = result.timeout ? `timed out: ${result.reason}` : `unreachable: ${scrub(result.reason)}`;
        lastStatus = undefined;
      } else if (result.kind === 'whole' && localEntry && advice !== null) {
        // A runtime refusing the endpoint itself: no retry, no breaker failure; another target may serve it.
        target.breaker.success();
        const said = briefError(result.body, (t) => t).replace(/^: /, '');
        endAll(false, result.status, undefined, advice);
        return {
          kind: 'next',
          attempt: { target: target.label, tier: target.tier, outcome: 'skipped', reason: `${target.label} does not serve ${request.path}: ${said ? `${said}. ` : ''}${advice}`, status: result.status, ms: attemptMs(), tries },
          unserved: { status: result.status, message: unservedMessage(localEntry.runtime.id, said, advice) },
        };
      } else if (result.kind === 'whole' && (result.status === 429 || result.status >= 500)) {
        if (result.status !== 429) target.breaker.failure();
        lastStatus = result.status;
        lastReason = `answered ${result.status}${briefError(result.body, scrub)}`;
      } else {
        answer = result;
        break;
      }
      if (i < retries) {
        const retryAfter = result.kind === 'whole' ? Number(result.headers['retry-after']) * 1000 : NaN;
        const wait = Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.min(retryAfter, MAX_RETRY_AFTER_MS) : BACKOFF_MS * 2 ** i;
        if (!(await sleepUnlessGone(wait, request.clientGone))) {
          endAll(false, 499, undefined, 'The client closed the connection.');
          return { kind: 'aborted' };
        }
        if (target.breaker.state() === 'open') break;
      }
    }
    if (answer === undefined) {
      endAll(false, lastStatus ?? 502, undefined, lastReason);
      return next('failed', `${lastReason}${tries > 1 ? ` (${tries} tries)` : ''}`, { tries, ...(lastStatus ? { status: lastStatus } : {}) });
    }

    const result = answer;
    const upstreamMs = result.ms;
    trace.timing.upstreamMs = upstreamMs;
    const { t0, cacheMs, routingMs, tokenizeMs } = context.timing;
    const res = request.res;

    if (result.kind === 'whole') {
      if (result.status === 400 && isContextError(result.body)) {
        target.breaker.success();
        endAll(false, 400, undefined, 'context too small');
        const limit = contextLimitOf(result.body);
        return next('skipped', `context too small: ${briefError(result.body, scrub).replace(/^: /, '') || 'the prompt does not fit'} (counted by the target)`, { status: 400, tries }, limit !== undefined ? { limit } : {});
      }
      // An answer: success, or a client error returned as is.
      target.breaker.success();
      const remote = target.ref.kind === 'remote';
      const payload =
        result.status >= 400
          ? openAIErrorBody(result.status, remote ? Buffer.from(scrub(result.body.toString('utf8'))) : result.body)
          : echo !== null && result.status < 300
            ? echo.rewrite(result.body)
            : result.body;
      const headers: OutgoingHttpHeaders = {
        'Content-Type': result.status >= 400 ? 'application/json' : (result.headers['content-type'] ?? 'application/json'),
        'Content-Length': payload.length,
        'x-homeport-route': `route=${route.name}; target=${target.label}; tier=${target.tier}`,
        [SERVER_TIMING]: timingHeader(routingMs, cacheMs, upstreamMs, tokenizeMs),
      };
      if (result.headers['retry-after'] !== undefined) headers['Retry-After'] = result.headers['retry-after'];
      trace.firstToken();
      meter?.firstToken();
      res.writeHead(result.status, headers);
      res.end(payload);
      const usage = result.status < 300 ? readUsage(result.body) : undefined;
      const cost = remote ? costOf(usage, target.provider!.config.prices[target.ref.model]) : 0;
      if (remote) this.addSpend(target.provider!.name, cost);
      const ok = result.status < 400;
      endAll(ok, result.status, usage, ok ? undefined : `${target.label} answered ${result.status}`);
      trace.attempt({ target: target.label, tier: target.tier, outcome: 'answered', reason: `${target.label} ${ok ? context.verdict.reason : `answered ${result.status}, returned as is`}`, status: result.status, ms: attemptMs(), tries });
      trace.finish({ status: result.status, ...(usage ? { usage } : {}), ...(ok ? {} : { error: `${target.label} answered ${result.status}${briefError(payload, (t) => t)}` }), costUsd: cost, savedUsd: remote ? 0 : costOf(usage, route.cloudPrice) });
      if (ok && context.writeCache && context.cacheRequest && this.options.cache) {
        const completion = parseCompletion(result.body);
        if (completion) void this.options.cache.store(context.cacheRequest, completion).catch(() => undefined);
      }
      return { kind: 'done' };
    }

    // A stream whose first bytes arrived: commit.
    res.writeHead(result.status, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
      'x-homeport-route': `route=${route.name}; target=${target.label}; tier=${target.tier}`,
      [SERVER_TIMING]: timingHeader(routingMs, cacheMs, upstreamMs, tokenizeMs),
    });
    const assembler: StreamAssembler | undefined = context.writeCache && this.options.cache ? this.options.cache.createStreamAssembler() : undefined;
    const relayed = await relayStream({
      res,
      body: result.body,
      first: result.first,
      idleTimeoutMs: route.config.idleTimeoutMs,
      clientGone: request.clientGone,
      dropUsageChunk: injectedUsage,
      echo,
      label: target.label,
      ...(assembler ? { onEvent: (chunk: Record<string, unknown>) => assembler.push(chunk) } : {}),
      onFirstToken: () => {
        trace.firstToken();
        meter?.firstToken();
      },
      onTokens: (n) => {
        trace.tokens(n);
        meter?.tokens(n);
      },
      scrub,
    });
    void t0;
    const usage = relayed.usage;
    const remote = target.ref.kind === 'remote';
    const cost = remote ? costOf(usage, target.provider!.config.prices[target.ref.model]) : 0;
    if (remote) this.addSpend(target.provider!.name, cost);
    if (relayed.cancelled) {
      if (gate.probe) target.breaker.release();
      endAll(false, 499, usage, relayed.error);
      trace.attempt({ target: target.label, tier: target.tier, outcome: 'cancelled', reason: `${target.label} the client went away mid-stream`, status: result.status, ms: attemptMs(), tries });
      trace.finish({ status: 499, ...(usage ? { usage } : {}), error: relayed.error ?? 'cancelled', costUsd: cost });
      return { kind: 'done' };
    }
    if (relayed.ok) target.breaker.success();
    else target.breaker.failure();
    endAll(relayed.ok, relayed.ok ? result.status : 502, usage, relayed.error);
    trace.attempt({
      target: target.label,
      tier: target.tier,
      outcome: relayed.ok ? 'answered' : 'broken',
      reason: `${target.label} ${relayed.ok ? context.verdict.reason : scrub(relayed.error ?? 'stream broke')}`,
      status: result.status,
      ms: attemptMs(),
      tries,
    });
    trace.finish({ status: relayed.ok ? result.status : 502, ...(usage ? { usage } : {}), ...(relayed.error ? { error: scrub(relayed.error) } : {}), costUsd: cost, savedUsd: remote ? 0 : costOf(usage, route.cloudPrice) });
    if (relayed.ok && assembler && context.cacheRequest && this.options.cache) {
      const completion = assembler.complete();
      if (completion) void this.options.cache.store(context.cacheRequest, completion).catch(() => undefined);
    }
    return { kind: 'done' };
  }

  close(): void {
    this.health.close();
    void this.dispatcher.destroy().catch(() => undefined);
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function includeUsage(json: Readonly<Record<string, unknown>>): boolean {
  return isRecord(json.stream_options) && json.stream_options.include_usage === true;
}


function lastIndexWhere<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}

/** `: <upstream message>` (first 200 characters, secrets scrubbed), or '' when the body has none. */
function briefError(body: Buffer, scrub: (t: string) => string): string {
  const message = body.length > 0 ? runtimeErrorMessage(body.toString('utf8')) : '';
  return message ? `: ${scrub(message).slice(0, 200)}` : '';
}

function parseCompletion(body: Buffer): ChatCompletionJson | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return isRecord(parsed) && Array.isArray(parsed.choices) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function dayKey(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** What to tell the client when a local runtime refuses the endpoint itself (runtimes/external/unserved-endpoint.ts); null for any other answer. */
function unservedAdvice(entry: ModelEntry, path: string, result: { readonly status: number; readonly body: Buffer }): string | null {
  if (result.status !== 400 && result.status !== 404 && result.status !== 501) return null;
  // Attached servers have ids like `llama-server@host:port`; the ones Homeport started do not.
  return unservedEndpointAdvice({ ownedBy: entry.ownedBy, modelId: entry.id, path, status: result.status, body: result.body.toString('utf8'), spawnedByHomeport: !entry.runtime.id.includes('@') });
}
