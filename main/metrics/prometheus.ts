/**
 * Prometheus exposition at GET /metrics. Its own prom-client Registry (never
 * the global one, so two engines in one process do not share counters).
 *
 * Per-request figures come from the request log's finished records;
 * runtime and in-flight gauges are read on scrape (prom-client `collect()`),
 * lifecycle events from the decisions log. Nothing here touches a request
 * body or a secret: labels are tiers, model names, runtime ids and statuses.
 */
import { Router } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestLog } from '../requests/request-log.js';
import type { RequestRecord } from '../requests/types.js';
import type { Decision } from '../lifecycle/decisions.js';
import type { RuntimeHandle } from '../runtimes/types.js';
import { RUNTIME_STATES } from '../runtimes/types.js';
import type { ModelMetricsSnapshot } from './model-metrics.js';
import type { CacheStats } from '../cache/types.js';

export interface PrometheusSources {
  /** Where finished requests come from (finished records only: live phases are never built for metrics). */
  readonly requests: Pick<RequestLog, 'subscribeFinished'>;
  /** Lifecycle decisions (load, evict, unload-idle, …); returns the unsubscribe function. */
  readonly subscribeDecisions?: (listener: (decision: Decision) => void) => () => void;
  /** The runtimes as they are now (read on scrape). */
  readonly runtimes: () => readonly RuntimeHandle[];
  /** Per-model live counters (in flight, waiting for a runtime). */
  readonly models: () => readonly ModelMetricsSnapshot[];
  /** Requests queued inside a runtime beyond its slots; null when it cannot tell. Read on scrape. */
  readonly runtimeQueue?: (runtime: RuntimeHandle) => Promise<number | null>;
  /** The response cache's totals (entries, bytes). */
  readonly cacheStats?: () => CacheStats;
}

export interface PrometheusMetrics {
  readonly registry: Registry;
  /** GET /metrics. */
  readonly router: Router;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; text: string }>;
  close(): void;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TOK_PER_SEC_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

export function createPrometheusMetrics(sources: PrometheusSources): PrometheusMetrics {
  const registry = new Registry();
  const registers = [registry];
  const perRequest = ['tier', 'model'] as const;

  const requests = new Counter({ name: 'homeport_requests_total', help: 'Requests answered, by the tier that answered (none: nothing did), model asked for and HTTP status.', labelNames: ['tier', 'model', 'status'] as const, registers });
  const duration = new Histogram({ name: 'homeport_request_duration_seconds', help: 'Whole request time.', labelNames: perRequest, buckets: SECONDS_BUCKETS, registers });
  const ttft = new Histogram({ name: 'homeport_time_to_first_token_seconds', help: 'Time to the first token.', labelNames: perRequest, buckets: SECONDS_BUCKETS, registers });
  const decode = new Histogram({ name: 'homeport_decode_tokens_per_second', help: 'Decode speed per request (tokens after the first / time after the first).', labelNames: perRequest, buckets: TOK_PER_SEC_BUCKETS, registers });
  const promptTokens = new Counter({ name: 'homeport_prompt_tokens_total', help: 'Prompt tokens of answered requests.', labelNames: perRequest, registers });
  const completionTokens = new Counter({ name: 'homeport_completion_tokens_total', help: 'Completion tokens of answered requests.', labelNames: perRequest, registers });
  const cacheResults = new Counter({ name: 'homeport_cache_requests_total', help: 'Requests by response-cache result (hit, miss, bypass, off).', labelNames: ['result'] as const, registers });
  const spend = new Counter({ name: 'homeport_cloud_spend_usd_total', help: 'What answers cost at the providers’ prices (US dollars).', labelNames: ['tier', 'model'] as const, registers });
  const saved = new Counter({ name: 'homeport_saved_usd_total', help: 'What the route’s cloud price would have charged for answers served locally or from cache (US dollars).', labelNames: ['tier', 'model'] as const, registers });
  const lifecycle = new Counter({ name: 'homeport_model_lifecycle_events_total', help: 'Model pool decisions: load, evict, unload-idle, stop, refuse, …', labelNames: ['model', 'kind'] as const, registers });

  new Gauge({
    name: 'homeport_runtime_state',
    help: 'Runtime state: 1 for the state it is in, 0 for the others.',
    labelNames: ['runtime', 'kind', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const runtime of sources.runtimes()) {
        const now = runtime.snapshot().state;
        for (const state of RUNTIME_STATES) this.set({ runtime: runtime.id, kind: runtime.kind, state }, state === now ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'homeport_runtime_restarts',
    help: 'Restarts after crashes since the runtime’s last explicit start.',
    labelNames: ['runtime'] as const,
    registers,
    collect() {
      this.reset();
      for (const runtime of sources.runtimes()) this.set({ runtime: runtime.id }, runtime.snapshot().restarts);
    },
  });
  new Gauge({
    name: 'homeport_runtime_in_flight',
    help: 'Requests being answered by the runtime now.',
    labelNames: ['runtime'] as const,
    registers,
    collect() {
      this.reset();
      for (const [runtime, load] of loadByRuntime(sources)) this.set({ runtime }, load.inFlight);
    },
  });
  new Gauge({
    name: 'homeport_runtime_queued',
    help: 'Requests waiting: for the runtime to become ready, plus those queued inside it beyond its slots.',
    labelNames: ['runtime'] as const,
    registers,
    async collect() {
      this.reset();
      const loads = loadByRuntime(sources);
      const runtimes = sources.runtimes();
      const inside = await Promise.all(
        runtimes.map((r) => (sources.runtimeQueue && r.snapshot().state === 'ready' ? sources.runtimeQueue(r).catch(() => null) : Promise.resolve(null))),
      );
      runtimes.forEach((r, i) => this.set({ runtime: r.id }, (loads.get(r.id)?.waiting ?? 0) + (inside[i] ?? 0)));
    },
  });
  if (sources.cacheStats !== undefined) {
    const stats = sources.cacheStats;
    new Gauge({
      name: 'homeport_cache_entries',
      help: 'Entries in the response cache.',
      registers,
      collect() {
        this.set(stats().entries);
      },
    });
    new Gauge({
      name: 'homeport_cache_bytes',
      help: 'Bytes the response cache’s entries take.',
      registers,
      collect() {
        this.set(stats().bytes);
      },
    });
  }

  function onFinished(record: RequestRecord): void {
    const tier = record.finalTier ?? 'none';
    const labels = { tier, model: record.model };
    requests.inc({ ...labels, status: String(record.status) });
    duration.observe(labels, record.durationMs / 1000);
    if (record.ttftMs !== null) ttft.observe(labels, record.ttftMs / 1000);
    if (record.decodeTokPerSec !== null && record.decodeTokPerSec > 0) decode.observe(labels, record.decodeTokPerSec);
    if (record.promptTokens) promptTokens.inc(labels, record.promptTokens);
    if (record.completionTokens) completionTokens.inc(labels, record.completionTokens);
    cacheResults.inc({ result: record.cache.result });
    if (record.costUsd > 0) spend.inc(labels, record.costUsd);
    if (record.savedUsd > 0) saved.inc(labels, record.savedUsd);
  }

  const unsubscribe = [
    sources.requests.subscribeFinished(onFinished),
    sources.subscribeDecisions?.((decision) => lifecycle.inc({ model: decision.model, kind: decision.kind })) ?? (() => undefined),
  ];

  const scrape = async () => ({ contentType: registry.contentType, text: await registry.metrics() });
  const router = Router();
  router.get('/metrics', async function serveMetrics(_req, res, next) {
    try {
      const { contentType, text } = await scrape();
      res.status(200).setHeader('content-type', contentType).setHeader('cache-control', 'no-store').end(text);
    } catch (err) {
      next(err);
    }
  });

  return {
    registry,
    router,
    scrape,
    close() {
      for (const off of unsubscribe) off();
    },
  };
}

/** In-flight and waiting requests summed per runtime from the per-model counters. */
function loadByRuntime(sources: PrometheusSources): Map<string, { inFlight: number; waiting: number }> {
  const out = new Map<string, { inFlight: number; waiting: number }>();
  for (const runtime of sources.runtimes()) out.set(runtime.id, { inFlight: 0, waiting: 0 });
  for (const m of sources.models()) {
    if (!m.runtime) continue;
    const load = out.get(m.runtime) ?? { inFlight: 0, waiting: 0 };
    load.inFlight += m.inFlight;
    load.waiting += m.waiting;
    out.set(m.runtime, load);
  }
  return out;
}
