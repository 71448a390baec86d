/**
 * Micro-benchmark: what ManagedRuntime.ensureReady adds over the inner
 * handle's own hot path for a model that is already ready.
 *
 *   node --import tsx test/lifecycle/ready-path-bench.ts [iterations]
 *
 * The inner handle answers like a ready Supervisor (a cached, already
 * resolved promise: no I/O, no allocation). Calls are measured without
 * awaiting each one: awaiting costs the same microtask turn either way.
 * Rounds alternate between the two and the fastest round of each is kept,
 * which filters out GC pauses and scheduling noise.
 */
import { pathToFileURL } from 'node:url';
import { ModelPool } from '../../main/lifecycle/model-pool.js';
import type { EnsureReadyOptions, RuntimeEndpoint, RuntimeHandle, RuntimeSnapshot } from '../../main/runtimes/types.js';

export interface ReadyPathBenchResult {
  readonly iterations: number;
  readonly innerNsPerCall: number;
  readonly managedNsPerCall: number;
  /** managed − inner: the cost the lifecycle manager adds to every request for a ready model. */
  readonly addedNsPerCall: number;
}

/** A handle that is ready from the start, answering ensureReady the way Supervisor's hot path does. */
class ReadyHandle implements RuntimeHandle {
  readonly id = 'bench:ready';
  readonly kind = 'embedded' as const;
  private readonly endpoint: RuntimeEndpoint = { baseUrl: 'http://127.0.0.1:1', hostname: '127.0.0.1', port: 1, headers: {} };
  private readonly readyPromise: Promise<RuntimeEndpoint> | null = Promise.resolve(this.endpoint);

  ensureReady(_options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    if (this.readyPromise !== null) return this.readyPromise;
    throw new Error('not ready');
  }
  snapshot(): RuntimeSnapshot {
    return { id: this.id, kind: this.kind, state: 'ready', pid: 1, port: 1, baseUrl: this.endpoint.baseUrl, restarts: 0, lastError: null, readySince: 0 };
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async restart(): Promise<void> {}
  logs(): [] {
    return [];
  }
  subscribe(): () => void {
    return () => undefined;
  }
}

/** Nanoseconds from a monotonic clock (process.hrtime.bigint; tests script it). */
export type NsClock = () => bigint;

function timeCalls(handle: RuntimeHandle, iterations: number, options: EnsureReadyOptions, clock: NsClock): number {
  let last: Promise<RuntimeEndpoint> | null = null;
  let changed = 0;
  const started = clock();
  for (let i = 0; i < iterations; i += 1) {
    const promise = handle.ensureReady(options);
    if (promise !== last) changed += 1; // keeps the call from being optimised away
    last = promise;
  }
  const elapsed = Number(clock() - started);
  if (changed !== 1) throw new Error(`expected one cached promise, saw ${changed}`);
  return elapsed / iterations;
}

export async function benchReadyPath(
  options: { readonly iterations?: number; readonly rounds?: number; readonly clock?: NsClock } = {},
): Promise<ReadyPathBenchResult> {
  const iterations = options.iterations ?? 200_000;
  const rounds = options.rounds ?? 7;
  const clock = options.clock ?? process.hrtime.bigint;
  const inner = new ReadyHandle();
  const pool = new ModelPool({ limits: { maxLoadedModels: 1, memoryBudgetBytes: 0 }, defaultTtlMs: 60 * 60_000 });
  try {
    const managed = pool.add({ id: 'bench', runtime: inner, estimatedBytes: 1 });
    const request: EnsureReadyOptions = { deadlineMs: 60_000 };
    await managed.ensureReady(request); // sanity: it is ready through the pool
    let innerBest = Number.POSITIVE_INFINITY;
    let managedBest = Number.POSITIVE_INFINITY;
    timeCalls(inner, iterations, request, clock); // warm-up
    timeCalls(managed, iterations, request, clock);
    for (let round = 0; round < rounds; round += 1) {
      innerBest = Math.min(innerBest, timeCalls(inner, iterations, request, clock));
      managedBest = Math.min(managedBest, timeCalls(managed, iterations, request, clock));
    }
    return {
      iterations,
      innerNsPerCall: innerBest,
      managedNsPerCall: managedBest,
      addedNsPerCall: managedBest - innerBest,
    };
  } finally {
    pool.dispose();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const iterations = process.argv[2] !== undefined ? Number(process.argv[2]) : undefined;
  const result = await benchReadyPath({ iterations });
  const fmt = (ns: number): string => `${ns.toFixed(1)} ns`;
  console.log(
    `ensureReady on a ready model, ${result.iterations} calls per round: inner ${fmt(result.innerNsPerCall)}/call, ` +
      `managed ${fmt(result.managedNsPerCall)}/call, added ${fmt(result.addedNsPerCall)}/call ` +
      `(budget 200000 ns)`,
  );
}
