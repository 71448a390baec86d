/**
 * The request log: one trace per request while it runs (its phase, what was
 * tried, tokens so far), a record in the store when it ends, and events for
 * whoever watches live (the panel's request table). Everything on the request
 * path is a few field writes; events are built only when someone listens, and
 * `phase` updates while generating go out at most every 250 ms per request.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Usage } from '../metrics/types.js';
import { reportedDecodeRate } from '../metrics/model-metrics.js';
import type { RequestStore } from './request-store.js';
import type { Attempt, CacheResult, LiveRequest, RequestEvents, RequestPhase, RequestQuery, RequestRecord, Tier } from './types.js';

const PHASE_EVENT_EVERY_MS = 250;

export interface TraceStart {
  readonly client: string;
  readonly route: string | null;
  readonly model: string;
  readonly endpoint: string;
  readonly stream: boolean;
}

export interface TraceFinish {
  readonly status: number;
  readonly usage?: Usage;
  readonly error?: string;
  readonly costUsd?: number;
  readonly savedUsd?: number;
}

export type RequestEvent = { [K in keyof RequestEvents]: { readonly type: K; readonly data: RequestEvents[K] } }[keyof RequestEvents];
type Listener = (event: RequestEvent) => void;
type FinishedListener = (record: RequestRecord) => void;

/** Request ids: a random prefix per engine run and a counter (unique, cheap, sortable within a run). */
function idMaker(): () => string {
  const prefix = `req_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let n = 0;
  return () => `${prefix}${(++n).toString(36).padStart(4, '0')}`;
}

/** One request in flight. Owned by the handler answering it; `finish` runs once. */
export class RequestTrace {
  readonly id: string;
  readonly time = Date.now();
  private readonly t0 = performance.now();
  phase: RequestPhase = 'queued';
  readonly attempts: Attempt[] = [];
  finalTier: Tier | null = null;
  finalTarget: string | null = null;
  cache: RequestRecord['cache'] = { result: 'off' };
  timing: { routingMs?: number; cacheMs?: number; tokenizeMs?: number; upstreamMs?: number } = {};
  /** Set when `x-homeport-tier` limits the request to one tier. */
  forcedTier: Tier | null = null;
  private firstAt: number | null = null;
  private generated = 0;
  private lastPhaseEventAt = 0;
  private record: RequestRecord | null = null;

  constructor(
    readonly start: TraceStart,
    id: string,
    private readonly log: RequestLog,
  ) {
    this.id = id;
  }

  /** ms since the request arrived. */
  elapsed(): number {
    return performance.now() - this.t0;
  }

  get finished(): boolean {
    return this.record !== null;
  }

  attempt(attempt: Attempt): void {
    this.attempts.push(attempt);
  }

  setCache(result: CacheResult, details: { similarity?: number; matchedEntryId?: string; reason?: string } = {}): void {
    this.cache = { result, ...details };
  }

  /** The target now answering (or about to). */
  serving(target: string, tier: Tier): void {
    this.finalTarget = target;
    this.finalTier = tier;
  }

  setPhase(phase: RequestPhase): void {
    if (this.phase === phase || this.record) return;
    this.phase = phase;
    this.log.phaseChanged(this);
  }

  firstToken(): void {
    if (this.firstAt !== null) return;
    this.firstAt = performance.now();
    this.setPhase('generating');
  }

  tokens(n: number): void {
    this.generated += n;
    if (!this.log.watched) return;
    const now = performance.now();
    if (now - this.lastPhaseEventAt >= PHASE_EVENT_EVERY_MS) {
      this.lastPhaseEventAt = now;
      this.log.phaseChanged(this);
    }
  }

  live(): LiveRequest {
    return {
      id: this.id,
      phase: this.phase,
      completionTokens: this.generated,
      tokPerSec: this.tokPerSecSoFar(),
      target: this.finalTarget,
      tier: this.finalTier,
      elapsedMs: round(this.elapsed()),
    };
  }

  private tokPerSecSoFar(): number | null {
    if (this.firstAt === null || this.generated < 2) return null;
    const seconds = (performance.now() - this.firstAt) / 1000;
    return seconds > 0 ? round((this.generated - 1) / seconds) : null;
  }

  /** The record as it stands (in flight: status 0, duration so far). */
  snapshot(): RequestRecord {
    if (this.record) return this.record;
    return this.build({ status: 0 }, performance.now());
  }

  finish(result: TraceFinish): RequestRecord {
    if (this.record) return this.record;
    const now = performance.now();
    this.phase = 'done';
    this.record = this.build(result, now);
    this.log.finished(this, this.record);
    return this.record;
  }

  private build(result: TraceFinish, now: number): RequestRecord {
    const completion = result.usage?.completion_tokens ?? (this.generated > 0 ? this.generated : null);
    let decode: number | null = null;
    // A cache hit replays a stored answer: how fast it replays is not a decode speed (it read 33,000 tok/s).
    if (this.finalTier !== 'cache' && this.start.stream) {
      const seconds = this.firstAt === null ? 0 : (now - this.firstAt) / 1000;
      if (seconds > 0 && completion !== null && completion > 1) decode = round((completion - 1) / seconds);
    } else if (this.finalTier !== 'cache') {
      // A whole answer: the speed the runtime itself reported, when it did.
      const reported = reportedDecodeRate(result.usage);
      if (reported !== null) decode = round(reported);
    }
    return {
      id: this.id,
      time: this.time,
      client: this.start.client,
      route: this.start.route,
      model: this.start.model,
      endpoint: this.start.endpoint,
      stream: this.start.stream,
      phase: this.phase,
      attempts: [...this.attempts],
      finalTier: this.finalTier,
      finalTarget: this.finalTarget,
      cache: this.cache,
      ttftMs: this.firstAt === null ? null : round(this.firstAt - this.t0, 2),
      durationMs: round(now - this.t0, 2),
      promptTokens: result.usage?.prompt_tokens ?? null,
      completionTokens: completion,
      decodeTokPerSec: decode,
      costUsd: result.costUsd ?? 0,
      savedUsd: result.savedUsd ?? 0,
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
      timing: this.timing,
      ...(this.forcedTier !== null ? { forcedTier: this.forcedTier } : {}),
    };
  }
}

export interface RequestLogOptions {
  readonly store: RequestStore;
}

/** Live traces, finished records, and the events between them. */
export class RequestLog {
  private readonly live = new Map<string, RequestTrace>();
  private readonly listeners = new Set<Listener>();
  /** Finished records only: these never make the log `watched`, so no live events are built for them. */
  private readonly finishedListeners = new Set<FinishedListener>();
  private readonly nextId = idMaker();

  constructor(private readonly options: RequestLogOptions) {}

  /** True while someone watches live (started and phase events are built only then). */
  get watched(): boolean {
    return this.listeners.size > 0;
  }

  begin(start: TraceStart): RequestTrace {
    const trace = new RequestTrace(start, this.nextId(), this);
    this.live.set(trace.id, trace);
    if (this.listeners.size > 0) this.emit({ type: 'started', data: trace.snapshot() });
    return trace;
  }

  /** Called by traces. */
  phaseChanged(trace: RequestTrace): void {
    if (this.listeners.size > 0) this.emit({ type: 'phase', data: trace.live() });
  }

  /** Called by traces. */
  finished(trace: RequestTrace, record: RequestRecord): void {
    this.live.delete(trace.id);
    this.options.store.add(record);
    for (const listener of this.finishedListeners) {
      try {
        listener(record);
      } catch {
        // A failing watcher must not break the request it watches.
      }
    }
    if (this.listeners.size > 0) this.emit({ type: 'finished', data: record });
  }

  /** Requests in flight, oldest first. */
  inFlight(): RequestRecord[] {
    return [...this.live.values()].map((t) => t.snapshot());
  }

  get(id: string): RequestRecord | undefined {
    return this.live.get(id)?.snapshot() ?? this.options.store.get(id);
  }

  query(query: RequestQuery): RequestRecord[] {
    return this.options.store.query(query);
  }

  totals(days: number) {
    return this.options.store.totals(days);
  }

  /** Every event: started, phase (throttled) and finished. Makes the log `watched` while subscribed. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Finished records only (metrics, totals): costs nothing while requests run. */
  subscribeFinished(listener: FinishedListener): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  private emit(event: RequestEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing watcher must not break the request it watches.
      }
    }
  }

  close(): void {
    this.options.store.close();
    this.listeners.clear();
    this.finishedListeners.clear();
  }
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
