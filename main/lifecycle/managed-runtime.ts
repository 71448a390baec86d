/**
 * One model under the pool's lifecycle management, wrapping its RuntimeHandle
 * (a Supervisor, or a daemon runtime's per-model handle) and implementing
 * RuntimeHandle itself, so the gateway uses it exactly like the raw handle.
 *
 * What it adds:
 * - ensureReady: loaded and ready → straight to the inner handle (the hot
 *   path: one flag read, one clock read, the inner call). Otherwise the
 *   request goes through the pool's admission queue, which decides whether
 *   the model may load now and what to evict first.
 * - hold(): counts requests in flight and records the last use, which the
 *   pool's eviction and idle policies read.
 * - Residency bookkeeping: `intent` says whether the pool counts the model as
 *   loaded; the inner handle's state events keep it honest (a runtime that
 *   fails or is stopped stops counting; one that starts on its own, e.g. a
 *   daemon that loaded the model for another client, is adopted).
 *
 * Decisions (load, evict, unload, wait, refuse) are made by the ModelPool
 * only; this class never acts on its own state.
 */
import type { Clock } from '../runtimes/process/health.js';
import type {
  EnsureReadyOptions,
  LogLine,
  RuntimeEndpoint,
  RuntimeHandle,
  RuntimeKind,
  RuntimeSnapshot,
  RuntimeState,
  RuntimeEvent,
} from '../runtimes/types.js';
import type { ResidentModel } from './eviction-policy.js';

/** A cold request (or an explicit start) asking the pool for room. */
export interface AdmissionRequest {
  /** Give up waiting for room after this long (none: explicit start, which never waits). */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
  /** An explicit start from the API: refused at once instead of waiting for a busy model to go idle. */
  readonly explicit: boolean;
}

/** What a ManagedRuntime asks of its pool (implemented by ModelPool). */
export interface PoolControl {
  /** Resolves once the model has been admitted (it is then loading); rejects on deadline, abort or refusal. */
  admit(model: ManagedRuntime, request: AdmissionRequest): Promise<void>;
  /** An explicit stop is about to happen: drop queued admissions and the idle timer, record it. */
  stopRequested(model: ManagedRuntime): void;
  /** Nothing is in flight or waiting for this model any more. */
  becameIdle(model: ManagedRuntime): void;
  /** The inner runtime started without the pool (counted as loaded from now on). */
  adopted(model: ManagedRuntime, reason: string): void;
  /** The inner runtime reached stopped or failed: its room is free. */
  freed(model: ManagedRuntime): void;
}

export interface ManagedRuntimeOptions {
  /** The model id (what decisions and the pool snapshot name). */
  readonly modelId: string;
  readonly inner: RuntimeHandle;
  readonly estimatedBytes: number;
  /** 0 = never unload when idle. */
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly pool: PoolControl;
}

/** Whether the pool counts the model as loaded (admitted or adopted). */
export type Intent = 'loaded' | 'unloaded';

export class ManagedRuntime implements RuntimeHandle {
  readonly id: string;
  readonly kind: RuntimeKind;
  readonly modelId: string;
  readonly estimatedBytes: number;
  /** Idle TTL; only the pool changes it (ModelPool.setDefaultTtl / setModelTtl). */
  ttlMs: number;

  private readonly inner: RuntimeHandle;
  private readonly clock: Clock;
  private readonly pool: PoolControl;
  private readonly unsubscribe: () => void;

  private currentIntent: Intent = 'unloaded';
  private innerState: RuntimeState;
  /** intent === 'loaded' && innerState === 'ready': the only thing the hot path checks. */
  private servable = false;
  private inFlightCount = 0;
  private waitingCount = 0;
  private lastUsed: number;
  /** Stops in progress that we asked for: a late `ready` from them must not be adopted. */
  private unloading = 0;
  /** Restarts in progress: their `stopped` does not free the room. */
  private restarting = 0;
  /** The inner start() issued by the last admission, while it runs. */
  private loading: Promise<void> | null = null;

  constructor(options: ManagedRuntimeOptions) {
    this.inner = options.inner;
    this.id = options.inner.id;
    this.kind = options.inner.kind;
    this.modelId = options.modelId;
    this.estimatedBytes = options.estimatedBytes;
    this.ttlMs = options.ttlMs;
    this.clock = options.clock;
    this.pool = options.pool;
    this.lastUsed = options.clock.now();
    this.innerState = options.inner.snapshot().state;
    // Already running when handed over: it occupies room, so it counts.
    if (this.innerState === 'starting' || this.innerState === 'ready') this.setIntent('loaded');
    this.unsubscribe = options.inner.subscribe((event) => this.onInnerEvent(event));
  }

  // ------------------------------------------------------------ RuntimeHandle

  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    // Hot path: loaded and ready → the inner handle's own (I/O-free) answer.
    this.lastUsed = this.clock.now();
    if (this.servable) return this.inner.ensureReady(options);
    return this.ensureReadyCold(options);
  }

  /** Explicit start (API): goes through admission, never waits for a busy model; resolves once ready. */
  async start(): Promise<void> {
    if (this.currentIntent === 'unloaded') await this.pool.admit(this, { explicit: true });
    await (this.loading ?? this.inner.start());
  }

  /** Explicit stop (API): passes through; queued requests for this model are rejected. */
  async stop(): Promise<void> {
    this.pool.stopRequested(this);
    await this.unload();
  }

  /** Explicit restart: a loaded model keeps its room; an unloaded one is started through admission. */
  async restart(): Promise<void> {
    if (this.currentIntent === 'unloaded') {
      await this.start();
      return;
    }
    this.restarting += 1;
    try {
      await this.inner.restart();
    } finally {
      this.restarting -= 1;
    }
  }

  hold(): () => void {
    const releaseInner = this.inner.hold?.();
    this.inFlightCount += 1;
    this.lastUsed = this.clock.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseInner?.();
      this.inFlightCount -= 1;
      this.lastUsed = this.clock.now();
      if (this.busy === 0) this.pool.becameIdle(this);
    };
  }

  snapshot(): RuntimeSnapshot {
    return this.inner.snapshot();
  }

  readyEndpoint(): RuntimeEndpoint | null {
    return this.inner.readyEndpoint?.() ?? null;
  }

  logs(): readonly LogLine[] {
    return this.inner.logs();
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    return this.inner.subscribe(listener);
  }

  // ---------------------------------------------------- read by the pool

  get intent(): Intent {
    return this.currentIntent;
  }

  /** Requests held. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Requests inside ensureReady waiting for admission or for the load to finish. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Requests held or waiting (a request may be both; it then counts twice, which only matters as "> 0"). */
  get busy(): number {
    return this.inFlightCount + this.waitingCount;
  }

  get lastUsedAt(): number {
    return this.lastUsed;
  }

  /** The lifecycle state as admission sees it: what the model occupies, not only what the process does. */
  get state(): RuntimeState {
    if (this.currentIntent === 'loaded') return this.innerState === 'ready' ? 'ready' : 'starting';
    if (this.innerState === 'starting' || this.innerState === 'ready') return 'stopping';
    return this.innerState;
  }

  /** Homeport may unload it (see RuntimeHandle.managesLoad); when not, the pool leaves it alone. */
  get unloadable(): boolean {
    return this.inner.managesLoad?.() ?? true;
  }

  managesLoad(): boolean {
    return this.unloadable;
  }

  /** The model as the eviction policy sees it. */
  residency(): ResidentModel {
    return {
      id: this.modelId,
      estimatedBytes: this.estimatedBytes,
      inFlight: this.inFlightCount,
      waiting: this.waitingCount,
      lastUsedAt: this.lastUsed,
      state: this.state,
    };
  }

  // ------------------------------------------------- called by the pool only

  /** Admitted: count it as loaded and start the inner runtime (errors surface through ensureReady/start). */
  load(): void {
    this.setIntent('loaded');
    this.lastUsed = this.clock.now();
    const loading = this.inner.start();
    this.loading = loading;
    const clear = (): void => {
      if (this.loading === loading) this.loading = null;
    };
    loading.then(clear, clear);
  }

  /** Stop counting it as loaded and stop the inner runtime; resolves once it has stopped. */
  async unload(): Promise<void> {
    this.setIntent('unloaded');
    this.unloading += 1;
    try {
      await this.inner.stop();
    } finally {
      this.unloading -= 1;
    }
  }

  /** Stop listening to the inner runtime (pool disposal). */
  detach(): void {
    this.unsubscribe();
  }

  // ----------------------------------------------------------------- internals

  private async ensureReadyCold(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    this.waitingCount += 1;
    try {
      // Loaded but still starting (or restarting after a crash): the inner handle waits.
      // Failed: the inner handle rejects with RuntimeFailedError; an explicit start is needed.
      if (this.currentIntent === 'loaded' || this.innerState === 'failed') return await this.inner.ensureReady(options);
      const waitedFrom = this.clock.now();
      await this.pool.admit(this, { deadlineMs: options.deadlineMs, signal: options.signal, explicit: false });
      const remainingMs = Math.max(1, options.deadlineMs - (this.clock.now() - waitedFrom));
      return await this.inner.ensureReady({ deadlineMs: remainingMs, signal: options.signal });
    } finally {
      this.waitingCount -= 1;
      if (this.busy === 0) this.pool.becameIdle(this);
    }
  }

  private setIntent(intent: Intent): void {
    this.currentIntent = intent;
    this.servable = intent === 'loaded' && this.innerState === 'ready';
  }

  private onInnerEvent(event: RuntimeEvent): void {
    if (event.type !== 'state') return;
    this.innerState = event.to;
    switch (event.to) {
      case 'starting':
      case 'ready':
        if (event.to === 'ready') this.lastUsed = Math.max(this.lastUsed, this.clock.now());
        if (this.currentIntent === 'unloaded' && this.unloading === 0) {
          this.setIntent('loaded');
          this.pool.adopted(this, event.reason);
          return;
        }
        break;
      case 'failed':
        this.setIntent('unloaded');
        this.pool.freed(this);
        return;
      case 'stopped':
        if (this.restarting === 0) this.setIntent('unloaded');
        this.pool.freed(this);
        return;
      case 'stopping':
        // Stopped behind the pool's back (our own stops already dropped the intent).
        if (this.restarting === 0) this.setIntent('unloaded');
        return;
    }
    this.setIntent(this.currentIntent);
  }
}
