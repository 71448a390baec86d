/**
 * The model pool: the one owner of which models are loaded.
 *
 * Every model is added as a ManagedRuntime (a RuntimeHandle the gateway uses
 * in place of the raw one). Requests for a ready model never reach the pool.
 * A request for a model that is not loaded joins that model's pending
 * admission; the pool's serial queue then decides (pure eviction policy),
 * stops the evicted models, waits for them to be gone, and starts the
 * candidate. Concurrent requests for the same model share one admission, so
 * one decision and one load.
 *
 * A `wait` decision (every model that would have to go is busy) keeps the
 * admission pending: it is decided again whenever a model goes idle or
 * stops, until each caller's own deadline. Idle unloading runs through the
 * same queue, driven by one lazily re-armed timer per loaded model.
 *
 * Each decision is recorded in the DecisionLog with its reason.
 */
import { systemClock } from '../runtimes/process/health.js';
import type { Clock, TimerHandle } from '../runtimes/process/health.js';
import { formatDuration } from '../runtimes/process/restart-policy.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../runtimes/types.js';
import type { RuntimeHandle, RuntimeState } from '../runtimes/types.js';
import { DecisionLog } from './decisions.js';
import { decideAdmission } from './eviction-policy.js';
import type { AdmissionDecision, PoolLimits } from './eviction-policy.js';
import { decideIdleUnload } from './idle-policy.js';
import { ManagedRuntime } from './managed-runtime.js';
import type { AdmissionRequest, PoolControl } from './managed-runtime.js';

export const DEFAULT_IDLE_TTL_MS = 15 * 60_000;

export interface ModelPoolOptions {
  readonly limits: PoolLimits;
  /** Idle time after which a model is unloaded, unless it sets its own. 0 = never. Default 15 min. */
  readonly defaultTtlMs?: number;
  readonly clock?: Clock;
  /** Where decisions go (a fresh in-memory log by default). */
  readonly decisions?: DecisionLog;
}

export interface AddModelOptions {
  /** The model id as clients name it (unique in the pool). */
  readonly id: string;
  readonly runtime: RuntimeHandle;
  /** Memory the loaded model takes (weights + context); 0 when unknown. */
  readonly estimatedBytes: number;
  /** Overrides the pool's default idle TTL. 0 = never unload when idle. */
  readonly ttlMs?: number;
}

export interface PoolModelSnapshot {
  readonly id: string;
  readonly runtimeId: string;
  /** As admission sees it: starting/ready/stopping occupy room. */
  readonly state: RuntimeState;
  readonly inFlight: number;
  /** Requests waiting for it to be admitted or to finish loading. */
  readonly waiting: number;
  readonly lastUsedAt: number;
  readonly ttlMs: number;
  readonly estimatedBytes: number;
  /** When it will be unloaded if nothing uses it (null: not loaded, busy, starting, or no TTL). */
  readonly idleUnloadAt: number | null;
}

/** One caller waiting for a model's admission. */
interface AdmissionCaller {
  readonly explicit: boolean;
  /** Resolve (no error) or reject; idempotent. */
  settle(error?: Error): void;
}

/** All callers waiting for one model to be admitted. */
interface PendingAdmission {
  readonly model: ManagedRuntime;
  readonly callers: Set<AdmissionCaller>;
  /** `loading`: decided, evictions under way; callers leaving no longer cancel it. */
  phase: 'queued' | 'loading';
  /** An explicit stop arrived while it was pending. */
  cancelled: boolean;
  /** The last `wait` reason recorded (also said in the deadline error). */
  lastWaitReason: string | null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ModelPool implements PoolControl {
  readonly decisions: DecisionLog;

  private limitsNow: PoolLimits;
  private defaultTtlMs: number;
  /** Models added with their own TTL: a new default does not change theirs. */
  private readonly ownTtl = new Set<string>();
  private readonly clock: Clock;
  private readonly models = new Map<string, ManagedRuntime>();
  private readonly idleTimers = new Map<ManagedRuntime, TimerHandle>();
  private readonly pending = new Map<ManagedRuntime, PendingAdmission>();
  private queueTail: Promise<void> = Promise.resolve();
  private pumpQueued = false;
  private disposed = false;

  constructor(options: ModelPoolOptions) {
    this.limitsNow = options.limits;
    this.defaultTtlMs = options.defaultTtlMs ?? DEFAULT_IDLE_TTL_MS;
    this.clock = options.clock ?? systemClock;
    this.decisions = options.decisions ?? new DecisionLog({ now: () => this.clock.now() });
  }

  // ---------------------------------------------------------------- public API

  /** Put a model under management; use the returned handle instead of `runtime`. */
  add(options: AddModelOptions): ManagedRuntime {
    if (this.disposed) throw new Error('the model pool has been disposed');
    if (this.models.has(options.id)) throw new Error(`model "${options.id}" is already in the pool`);
    const model = new ManagedRuntime({
      modelId: options.id,
      inner: options.runtime,
      estimatedBytes: Math.max(0, options.estimatedBytes),
      ttlMs: Math.max(0, options.ttlMs ?? this.defaultTtlMs),
      clock: this.clock,
      pool: this,
    });
    this.models.set(options.id, model);
    if (options.ttlMs !== undefined) this.ownTtl.add(options.id);
    if (model.intent === 'loaded') this.adopted(model, `it was already ${options.runtime.snapshot().state} when added`);
    return model;
  }

  get(id: string): ManagedRuntime | undefined {
    return this.models.get(id);
  }

  list(): readonly ManagedRuntime[] {
    return [...this.models.values()];
  }

  get limits(): PoolLimits {
    return this.limitsNow;
  }

  /** New limits apply to the next admission (loaded models are not evicted just because limits shrank). */
  setLimits(limits: PoolLimits): void {
    this.limitsNow = limits;
    this.schedulePump();
  }

  /** A new default idle TTL, in effect at once for every model that has no TTL of its own (its idle timer is re-armed). */
  setDefaultTtl(ttlMs: number): void {
    this.defaultTtlMs = Math.max(0, ttlMs);
    for (const model of this.models.values()) if (!this.ownTtl.has(model.modelId)) this.retime(model, this.defaultTtlMs);
  }

  /** A model's own idle TTL (undefined: back to the default), in effect at once. */
  setModelTtl(id: string, ttlMs: number | undefined): void {
    const model = this.models.get(id);
    if (!model) return;
    if (ttlMs === undefined) this.ownTtl.delete(id);
    else this.ownTtl.add(id);
    this.retime(model, ttlMs ?? this.defaultTtlMs);
  }

  private retime(model: ManagedRuntime, ttlMs: number): void {
    model.ttlMs = Math.max(0, ttlMs);
    const idleNow = model.state === 'ready' && model.busy === 0 && model.intent === 'loaded';
    if (idleNow) this.armIdleTimer(model, model.lastUsedAt + model.ttlMs);
    else if (model.ttlMs <= 0) this.cancelIdleTimer(model);
  }

  snapshot(): readonly PoolModelSnapshot[] {
    return this.list().map((model) => {
      const state = model.state;
      const unloadsWhenIdle = state === 'ready' && model.ttlMs > 0 && model.busy === 0;
      return {
        id: model.modelId,
        runtimeId: model.id,
        state,
        inFlight: model.inFlight,
        waiting: model.waiting,
        lastUsedAt: model.lastUsedAt,
        ttlMs: model.ttlMs,
        estimatedBytes: model.estimatedBytes,
        idleUnloadAt: unloadsWhenIdle ? model.lastUsedAt + model.ttlMs : null,
      };
    });
  }

  /** Clear timers, reject queued admissions and stop listening to runtimes. Runtimes are not stopped. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const timer of this.idleTimers.values()) timer.cancel();
    this.idleTimers.clear();
    for (const admission of [...this.pending.values()]) {
      const { model } = admission;
      this.finish(
        admission,
        new RuntimeNotReadyError(model.id, model.snapshot().state, `Model "${model.modelId}" was not loaded: Homeport is shutting down.`),
      );
    }
    for (const model of this.models.values()) model.detach();
  }

  // -------------------------------------------- PoolControl (ManagedRuntime)

  admit(model: ManagedRuntime, request: AdmissionRequest): Promise<void> {
    if (this.disposed) {
      return Promise.reject(
        new RuntimeNotReadyError(model.id, model.snapshot().state, `Model "${model.modelId}" cannot load: Homeport is shutting down.`),
      );
    }
    if (model.intent === 'loaded') return Promise.resolve();
    const { deadlineMs, signal } = request;
    if (signal?.aborted) return Promise.reject(this.notAdmittedError(model, 'aborted', deadlineMs, null));

    let admission = this.pending.get(model);
    if (admission === undefined) {
      admission = { model, callers: new Set(), phase: 'queued', cancelled: false, lastWaitReason: null };
      this.pending.set(model, admission);
    }
    const joined = admission;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const caller: AdmissionCaller = {
        explicit: request.explicit,
        settle: (error) => {
          if (settled) return;
          settled = true;
          timer?.cancel();
          signal?.removeEventListener('abort', onAbort);
          joined.callers.delete(caller);
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      const giveUp = (cause: 'deadline' | 'aborted'): void => {
        caller.settle(this.notAdmittedError(model, cause, deadlineMs, joined.lastWaitReason));
        // Nobody wants it any more and nothing was decided yet: drop it.
        if (joined.callers.size === 0 && joined.phase === 'queued' && this.pending.get(model) === joined) {
          this.pending.delete(model);
        }
      };
      const onAbort = (): void => giveUp('aborted');
      const timer = deadlineMs === undefined ? null : this.clock.setTimer(deadlineMs, () => giveUp('deadline'));
      signal?.addEventListener('abort', onAbort, { once: true });
      joined.callers.add(caller);
      this.schedulePump();
    });
  }

  stopRequested(model: ManagedRuntime): void {
    this.cancelIdleTimer(model);
    const admission = this.pending.get(model);
    if (admission !== undefined) {
      admission.cancelled = true;
      this.finish(
        admission,
        new RuntimeNotReadyError(
          model.id,
          'stopping',
          `Model "${model.modelId}" was stopped on request while the request waited for it to load; start it again and retry.`,
        ),
      );
    }
    this.decisions.record({ kind: 'stop', model: model.modelId, reason: `stopped ${model.modelId} on request` });
  }

  becameIdle(_model: ManagedRuntime): void {
    this.schedulePump();
  }

  adopted(model: ManagedRuntime, reason: string): void {
    this.decisions.record({
      kind: 'adopt',
      model: model.modelId,
      reason: `${model.modelId} started outside the lifecycle manager (${reason}); it now counts as loaded`,
      details: { estimatedBytes: model.estimatedBytes },
    });
    this.armIdleTimer(model, model.lastUsedAt + model.ttlMs);
    this.schedulePump();
  }

  freed(model: ManagedRuntime): void {
    if (model.intent === 'unloaded') this.cancelIdleTimer(model);
    this.schedulePump();
  }

  // -------------------------------------------------------------- the queue

  /** Run `operation` after every operation queued before it. */
  private enqueue(operation: () => void | Promise<void>): void {
    const run = this.queueTail.then(operation);
    this.queueTail = run.catch((error: unknown) => {
      this.decisions.record({ kind: 'error', model: '', reason: `internal error in the model pool: ${errorMessage(error)}` });
    });
  }

  /** Decide pending admissions soon (coalesced: one pump queued at a time). */
  private schedulePump(): void {
    if (this.pumpQueued || this.disposed || this.pending.size === 0) return;
    this.pumpQueued = true;
    this.enqueue(async () => {
      this.pumpQueued = false;
      // Oldest first; admissions added meanwhile are picked up by the pump they scheduled.
      for (const admission of [...this.pending.values()]) {
        if (this.disposed) return;
        await this.decide(admission);
      }
    });
  }

  /** Inside the queue: decide one pending admission and carry the decision out. */
  private async decide(admission: PendingAdmission): Promise<void> {
    const { model } = admission;
    if (admission.cancelled || this.pending.get(model) !== admission) return;
    if (admission.callers.size === 0) {
      this.pending.delete(model);
      return;
    }
    if (model.intent === 'loaded') {
      this.finish(admission);
      return;
    }
    const decision = decideAdmission({
      candidate: { id: model.modelId, estimatedBytes: model.estimatedBytes },
      // A model Homeport cannot unload (attached server, another client's load) neither counts nor can be evicted.
      loaded: this.list()
        .filter((each) => each.unloadable)
        .map((each) => each.residency()),
      limits: this.limitsNow,
      now: this.clock.now(),
    });
    switch (decision.action) {
      case 'refuse':
        this.refuse(admission, decision);
        return;
      case 'wait':
        this.keepWaiting(admission, decision);
        return;
      case 'load':
        await this.loadAfterEvictions(admission, decision);
        return;
    }
  }

  private refuse(admission: PendingAdmission, decision: Extract<AdmissionDecision, { action: 'refuse' }>): void {
    const { model } = admission;
    this.decisions.record({
      kind: 'refuse',
      model: model.modelId,
      reason: decision.reason,
      details: { estimatedBytes: model.estimatedBytes, memoryBudgetBytes: this.limitsNow.memoryBudgetBytes },
    });
    this.finish(admission, new RuntimeFailedError(model.id, decision.reason, []));
  }

  /** The admission stays pending: the next pump (a model idle or stopped) decides again. */
  private keepWaiting(admission: PendingAdmission, decision: Extract<AdmissionDecision, { action: 'wait' }>): void {
    const { model } = admission;
    if (decision.reason !== admission.lastWaitReason) {
      admission.lastWaitReason = decision.reason;
      this.decisions.record({ kind: 'wait', model: model.modelId, reason: decision.reason, details: { blockedBy: decision.blockedBy } });
    }
    // An explicit start does not wait for someone else's requests to finish
    // (only for an unload already under way, which is short).
    const blockedByRequests = decision.blockedBy.some((id) => this.models.get(id)?.state !== 'stopping');
    if (!blockedByRequests) return;
    for (const caller of [...admission.callers]) {
      if (!caller.explicit) continue;
      caller.settle(
        new RuntimeNotReadyError(
          model.id,
          model.snapshot().state,
          `Cannot start ${model.modelId} now: it needs room that only busy models hold ` +
            `(${decision.blockedBy.join(', ')}). Retry when one is idle, stop one, or raise the limits. Details: ${decision.reason}.`,
        ),
      );
    }
    if (admission.callers.size === 0) this.pending.delete(model);
  }

  /** Record, stop the evicted models and wait until they are gone, then start the candidate. */
  private async loadAfterEvictions(
    admission: PendingAdmission,
    decision: Extract<AdmissionDecision, { action: 'load' }>,
  ): Promise<void> {
    const { model } = admission;
    admission.phase = 'loading';
    for (const eviction of decision.evictions) {
      this.decisions.record({ kind: 'evict', model: eviction.id, reason: eviction.reason, details: { for: model.modelId } });
    }
    this.decisions.record({
      kind: 'load',
      model: model.modelId,
      reason: decision.reason,
      details: { evicted: decision.evict, estimatedBytes: model.estimatedBytes },
    });
    const victims = decision.evict.flatMap((id) => this.models.get(id) ?? []);
    await Promise.all(victims.map((victim) => this.unload(victim)));
    if (admission.cancelled) return; // stopped on request meanwhile; its callers were answered
    this.pending.delete(model);
    model.load();
    this.armIdleTimer(model, model.lastUsedAt + model.ttlMs);
    this.finish(admission);
  }

  /** Answer every caller of an admission and forget it. */
  private finish(admission: PendingAdmission, error?: Error): void {
    if (this.pending.get(admission.model) === admission) this.pending.delete(admission.model);
    for (const caller of [...admission.callers]) caller.settle(error);
  }

  /** Inside the queue: stop a model the pool decided to unload (a failure to stop is recorded, not thrown). */
  private async unload(model: ManagedRuntime): Promise<void> {
    this.cancelIdleTimer(model);
    try {
      await model.unload();
    } catch (error) {
      this.decisions.record({ kind: 'error', model: model.modelId, reason: `could not stop ${model.modelId}: ${errorMessage(error)}` });
    }
  }

  // ------------------------------------------------------------ idle timers

  /** One timer per loaded model; when it fires the idle policy decides, and may re-arm it later. */
  private armIdleTimer(model: ManagedRuntime, at: number | null): void {
    this.cancelIdleTimer(model);
    if (at === null || model.ttlMs <= 0 || this.disposed || !model.unloadable) return;
    const timer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
      if (this.idleTimers.get(model) !== timer) return;
      this.idleTimers.delete(model);
      this.enqueue(() => this.checkIdle(model));
    });
    this.idleTimers.set(model, timer);
  }

  private cancelIdleTimer(model: ManagedRuntime): void {
    this.idleTimers.get(model)?.cancel();
    this.idleTimers.delete(model);
  }

  /** Inside the queue. */
  private async checkIdle(model: ManagedRuntime): Promise<void> {
    // Unloaded meanwhile, or a newer timer took over.
    if (this.disposed || model.intent !== 'loaded' || this.idleTimers.has(model) || !model.unloadable) return;
    const now = this.clock.now();
    const decision = decideIdleUnload({
      model: { id: model.modelId, inFlight: model.busy, lastUsedAt: model.lastUsedAt, ttlMs: model.ttlMs, state: model.state },
      now,
    });
    if (decision.action === 'keep') {
      this.armIdleTimer(model, decision.nextCheckAt);
      return;
    }
    this.decisions.record({
      kind: 'unload-idle',
      model: model.modelId,
      reason: decision.reason,
      details: { idleMs: now - model.lastUsedAt, ttlMs: model.ttlMs, estimatedBytes: model.estimatedBytes },
    });
    await this.unload(model);
  }

  // ----------------------------------------------------------------- errors

  private notAdmittedError(
    model: ManagedRuntime,
    cause: 'deadline' | 'aborted',
    deadlineMs: number | undefined,
    waitReason: string | null,
  ): RuntimeNotReadyError {
    const why = waitReason ?? 'it was still queued behind other models loading or unloading';
    const message =
      cause === 'deadline'
        ? `Model "${model.modelId}" is not loaded after ${formatDuration(deadlineMs ?? 0)}: ${why}. ` +
          'Retry when a model is idle, or raise maxLoadedModels / memoryBudgetBytes.'
        : `Model "${model.modelId}" was not loaded yet when the request was cancelled (${why}).`;
    return new RuntimeNotReadyError(model.id, model.snapshot().state, message);
  }
}
