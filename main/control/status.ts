import type { RuntimeHandle, RuntimeSnapshot } from '../runtimes/types.js';
import type { ModelMetrics, ModelMetricsSnapshot } from '../metrics/model-metrics.js';
import type { ModelDirectory } from '../gateway/types.js';

/** What a runtime's own /health says about its slots (the embedded worker reports these). */
export interface RuntimeLoad {
  readonly slots?: { readonly total: number; readonly busy: number };
  readonly queued?: number;
}

export interface EngineStatus {
  readonly version: string;
  readonly startedAt: string;
  readonly uptimeSec: number;
  readonly baseUrl: string;
  readonly runtimes: ReadonlyArray<RuntimeSnapshot & { readonly models: readonly string[]; readonly load: RuntimeLoad | null }>;
  readonly models: readonly ModelMetricsSnapshot[];
  /** Requests being answered right now, across all models. */
  readonly inFlight: number;
  /** Requests waiting: for a runtime to become ready, plus those queued inside runtimes beyond their slots. */
  readonly queued: number;
}

export interface StatusSources {
  readonly version: string;
  readonly startedAt: Date;
  readonly baseUrl: string;
  readonly runtimes: readonly RuntimeHandle[];
  readonly models: ModelDirectory;
  readonly metrics: ModelMetrics;
  /** Asks a ready runtime for its load; null when it cannot tell. */
  readonly probeLoad: (runtime: RuntimeHandle) => Promise<RuntimeLoad | null>;
}

/** Assemble the engine status. Every configured model appears, even before its first request. */
export async function collectStatus(sources: StatusSources): Promise<EngineStatus> {
  const loads = await Promise.all(sources.runtimes.map((r) => (r.snapshot().state === 'ready' ? sources.probeLoad(r) : Promise.resolve(null))));
  const runtimes = sources.runtimes.map((runtime, i) => ({
    ...runtime.snapshot(),
    models: sources.models
      .list()
      .filter((m) => m.runtime === runtime)
      .map((m) => m.id),
    load: loads[i] ?? null,
  }));
  const measured = new Map(sources.metrics.snapshot().map((m) => [m.model, m]));
  const models = sources.models.list().map((entry) => measured.get(entry.id) ?? emptyMetrics(entry.id, entry.runtime.id));
  const totals = sources.metrics.totals();
  const queuedInRuntimes = runtimes.reduce((sum, r) => sum + (r.load?.queued ?? 0), 0);
  return {
    version: sources.version,
    startedAt: sources.startedAt.toISOString(),
    uptimeSec: Math.round((Date.now() - sources.startedAt.getTime()) / 1000),
    baseUrl: sources.baseUrl,
    runtimes,
    models,
    inFlight: totals.inFlight,
    queued: totals.waiting + queuedInRuntimes,
  };
}

function emptyMetrics(model: string, runtime: string): ModelMetricsSnapshot {
  return {
    model,
    runtime,
    requests: 0,
    errors: 0,
    inFlight: 0,
    waiting: 0,
    tokens: { prompt: 0, completion: 0 },
    ttftMs: { p50: null, p95: null, last: null },
    decodeTokPerSec: { p50: null, last: null },
    lastRequestAt: null,
  };
}
