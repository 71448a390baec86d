/**
 * One model of a daemon runtime (Ollama, LM Studio) as its own RuntimeHandle.
 *
 * The daemon itself is owned elsewhere: a Supervisor that spawned it, or an
 * AttachedRuntime for one that was already running. This handle never stops
 * the daemon; "starting" means loading the model into it and "stopping"
 * means unloading it.
 *
 * - ensureReady: loaded → the cached endpoint (the daemon's), no I/O.
 *   Otherwise: daemon ready? → model already loaded (its list)? → else load
 *   it. Concurrent callers share ONE load; each waits with its own deadline.
 * - stop(): unload, then poll the daemon's loaded list until the model is
 *   gone (bounded); the daemon keeps running.
 * - The state follows the daemon's lists too (`observe`): a model the daemon
 *   unloaded on its own (keep-alive / TTL ran out, another client) becomes
 *   `stopped`; one loaded outside Homeport becomes `ready` (adopted).
 * - The daemon leaving `ready` makes the model `stopped` (or `failed` with
 *   the daemon's reason). A model failed because of its daemon is tried again
 *   by the next ensureReady; one whose load itself failed needs start().
 *
 * Every state change happens on one serial queue (as in Supervisor); the slow
 * parts (daemon readiness, the load request) run outside it and re-enter with
 * their result, guarded by a generation counter.
 */
import { systemClock } from '../../process/health.js';
import type { Clock, TimerHandle } from '../../process/health.js';
import { formatDuration } from '../../process/restart-policy.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../../types.js';
import { DAEMON_MODEL_TRANSITIONS } from '../../lifecycle-core.js';
import { CoreRuntimeHandle } from '../../core-runtime-handle.js';
import type { EnsureReadyOptions, RuntimeEndpoint, RuntimeHandle, RuntimeSnapshot, RuntimeState } from '../../types.js';
import type { DaemonKind, DaemonProtocol, LoadedModelInfo } from './protocol.js';

export interface DaemonTiming {
  /** How long a load waits for the daemon itself to become ready. */
  readonly daemonDeadlineMs: number;
  /** Bound for one load (the daemon may read gigabytes). */
  readonly loadTimeoutMs: number;
  /** Bound for the unload request plus waiting for the model to leave the loaded list. */
  readonly unloadTimeoutMs: number;
  /** Pause between loaded-list checks while waiting for an unload. */
  readonly pollIntervalMs: number;
}

export const DEFAULT_DAEMON_TIMING: DaemonTiming = {
  daemonDeadlineMs: 60_000,
  loadTimeoutMs: 10 * 60_000,
  unloadTimeoutMs: 30_000,
  pollIntervalMs: 250,
};

/** A loaded-list answer, stamped with when it was asked for (see `observe`). */
export interface LoadedObservation {
  /** From `nextSequence()` taken just before the list request was sent. */
  readonly sequence: number;
  /** This model's entry in the list, or null when it is not loaded. */
  readonly loaded: LoadedModelInfo | null;
}

let sequenceCounter = 0;
/** Monotonic stamps ordering list requests against state changes. */
export function nextSequence(): number {
  sequenceCounter += 1;
  return sequenceCounter;
}

export interface DaemonModelRuntimeOptions {
  /** Unique across runtimes, e.g. `ollama/llama3.2:latest`. */
  readonly id: string;
  /** The name the daemon expects, e.g. `llama3.2:latest`. */
  readonly model: string;
  readonly daemon: RuntimeHandle;
  readonly protocol: DaemonProtocol;
  /**
   * The daemon's loaded models. Shared by all models of one daemon (see
   * DaemonModelSet), which also passes each answer to every model's observe().
   */
  readonly listLoaded: (endpoint: RuntimeEndpoint, signal: AbortSignal) => Promise<readonly LoadedModelInfo[]>;
  /** Context to load with; absent = the daemon's default. */
  readonly contextLength?: number;
  readonly timing?: Partial<DaemonTiming>;
  readonly clock?: Clock;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class DaemonModelRuntime extends CoreRuntimeHandle<DaemonKind> {
  readonly model: string;

  private readonly options: DaemonModelRuntimeOptions;
  private readonly daemon: RuntimeHandle;
  private readonly protocol: DaemonProtocol;
  private readonly timing: DaemonTiming;
  private readonly unsubscribeDaemon: () => void;

  /** Bumped when a load in flight becomes obsolete (stop, daemon gone). */
  private generation = 0;
  private loadController: AbortController | null = null;
  /** Sequence of our last own state change: older list answers are ignored. */
  private changedAt = nextSequence();
  private endpoint: RuntimeEndpoint | null = null;
  private lastError: string | null = null;
  /** The failure came from the daemon (not ready, went away): the next request tries again. */
  private failedByDaemon = false;
  private loadedInfo: LoadedModelInfo | null = null;
  private loadedByUs = false;

  constructor(options: DaemonModelRuntimeOptions) {
    super({ id: options.id, kind: options.protocol.kind, transitions: DAEMON_MODEL_TRANSITIONS, clock: options.clock ?? systemClock, logLines: 200 });
    this.options = options;
    this.model = options.model;
    this.daemon = options.daemon;
    this.protocol = options.protocol;
    this.timing = { ...DEFAULT_DAEMON_TIMING, ...options.timing };
    this.unsubscribeDaemon = this.daemon.subscribe((event) => {
      if (event.type === 'state') this.core.post(() => this.onDaemonState(event.from, event.to, event.reason));
    });
  }

  // ---------------------------------------------------------------- public API

  snapshot(): RuntimeSnapshot {
    const endpoint = this.state === 'ready' ? this.endpoint : null;
    return this.snapshotWith({ pid: null, port: endpoint?.port ?? null, baseUrl: endpoint?.baseUrl ?? null, restarts: 0, lastError: this.lastError });
  }

  /** The daemon's own report of the loaded model (context, memory), when loaded. */
  loaded(): LoadedModelInfo | null {
    return this.state === 'ready' ? this.loadedInfo : null;
  }

  /** Homeport loaded it (as opposed to finding it loaded): Homeport should unload it when it quits. */
  get loadedByHomeport(): boolean {
    return this.state === 'ready' && this.loadedByUs;
  }

  /** A model another client loaded into the daemon is theirs: Homeport never unloads it. */
  managesLoad(): boolean {
    return this.state !== 'ready' || this.loadedByUs;
  }

  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    return this.core.ready ?? this.waitUntilReady(options);
  }

  /** Load the model (from stopped or failed); resolves once loaded. */
  start(): Promise<void> {
    return this.core.runUntilReady(() => this.beginLoad('start requested'), () => this.failedError());
  }

  /** Unload the model; the daemon keeps running. Idempotent. */
  async stop(): Promise<void> {
    await this.core.run(() => this.unloadNow('stop requested'));
  }

  restart(): Promise<void> {
    return this.core.runUntilReady(async () => {
      await this.unloadNow('restart requested');
      this.beginLoad('restart requested');
    }, () => this.failedError());
  }

  /** Stop following the daemon's events (the model left the fleet). */
  dispose(): void {
    this.unsubscribeDaemon();
  }

  /** A loaded-list answer from the daemon (called by DaemonModelSet for every answer). */
  observe(observation: LoadedObservation): void {
    this.core.post(() => this.onObservation(observation));
  }

  // ------------------------------------------------------- waiting for ready

  private waitUntilReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    if (this.state === 'failed' && !this.failedByDaemon) return Promise.reject(this.failedError());
    return this.core.waitForReady({
      ...options,
      notReady: (cause) =>
        this.notReadyError(cause === 'aborted' ? 'was not loaded when the request was cancelled' : `is not loaded after ${formatDuration(options.deadlineMs)}`),
      // Only the first of many concurrent callers finds it not loading: one load.
      onWaiting: () =>
        this.core.post(() => {
          if (this.state === 'stopped' || (this.state === 'failed' && this.failedByDaemon)) this.beginLoad('loaded on demand by a request');
        }),
    });
  }

  // ------------------------------------------------------ loading (queue)

  private beginLoad(reason: string): void {
    if (this.state === 'starting' || this.state === 'ready') return;
    this.lastError = null;
    this.failedByDaemon = false;
    const generation = ++this.generation;
    const controller = new AbortController();
    this.loadController = controller;
    this.transition('starting', reason);
    this.loadInBackground(generation, controller).catch((error: unknown) => this.note(`internal error while loading: ${errorMessage(error)}`));
  }

  /** Outside the queue: daemon ready → already loaded? → load; then report back. */
  private async loadInBackground(generation: number, controller: AbortController): Promise<void> {
    const timer: TimerHandle = this.clock.setTimer(this.timing.loadTimeoutMs, () => controller.abort());
    const startedAt = this.clock.now();
    let endpoint: RuntimeEndpoint;
    try {
      endpoint = await this.daemon.ensureReady({ deadlineMs: this.timing.daemonDeadlineMs, signal: controller.signal });
    } catch (error) {
      timer.cancel();
      this.core.post(() => this.onLoadFailed(generation, `${this.protocol.displayName} is not available: ${errorMessage(error)}`, true));
      return;
    }
    try {
      const before = await this.options.listLoaded(endpoint, controller.signal);
      let how = `already loaded in ${this.protocol.displayName}`;
      let ours = false;
      if (!before.some((m) => m.name === this.model)) {
        await this.protocol.load(endpoint, { model: this.model, contextLength: this.options.contextLength, signal: controller.signal });
        how = `loaded in ${formatDuration(this.clock.now() - startedAt)}`;
        ours = true;
      }
      // Ask once more for what the daemon reports (context, memory); not essential.
      const after = await this.options.listLoaded(endpoint, controller.signal).catch(() => before);
      const info = after.find((m) => m.name === this.model) ?? null;
      this.core.post(() => this.onLoaded(generation, endpoint, info, ours, how));
    } catch (error) {
      const cause = controller.signal.aborted && this.generation === generation ? `no answer within ${formatDuration(this.timing.loadTimeoutMs)}` : errorMessage(error);
      const daemonGone = this.daemon.snapshot().state !== 'ready';
      this.core.post(() => this.onLoadFailed(generation, `the load failed: ${cause}`, daemonGone));
    } finally {
      timer.cancel();
    }
  }

  private onLoaded(generation: number, endpoint: RuntimeEndpoint, info: LoadedModelInfo | null, ours: boolean, how: string): void {
    if (generation !== this.generation || this.state !== 'starting') return;
    this.loadController = null;
    this.endpoint = endpoint;
    this.loadedInfo = info;
    this.loadedByUs = ours;
    this.becomeReady(how);
  }

  private onLoadFailed(generation: number, reason: string, byDaemon: boolean): void {
    if (generation !== this.generation || this.state !== 'starting') return;
    this.loadController = null;
    this.fail(reason, byDaemon);
  }

  private becomeReady(reason: string): void {
    const endpoint = this.endpoint;
    if (endpoint === null) return;
    this.changedAt = nextSequence();
    this.core.becomeReady(endpoint, reason);
  }

  private fail(reason: string, byDaemon: boolean): void {
    this.generation += 1;
    this.loadController?.abort();
    this.loadController = null;
    this.lastError = reason;
    this.failedByDaemon = byDaemon;
    // A daemon that comes back may still hold what Homeport loaded: keep knowing it is ours.
    if (!byDaemon) this.loadedByUs = false;
    this.transition('failed', reason);
    this.core.rejectWaiters(this.failedError());
  }

  // ---------------------------------------------------- unloading (queue)

  private async unloadNow(reason: string): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.generation += 1;
    this.loadController?.abort();
    this.loadController = null;
    this.transition('stopping', reason);
    this.core.rejectWaiters(new RuntimeNotReadyError(this.id, 'stopping', `Model "${this.model}" was unloaded (${reason}) while the request waited; retry to load it again.`));
    const how = await this.unloadFromDaemon();
    this.loadedByUs = false;
    this.loadedInfo = null;
    this.transition('stopped', how);
  }

  /** Ask the daemon to unload, then wait until its list no longer shows the model. Says how it went. */
  private async unloadFromDaemon(): Promise<string> {
    const name = this.protocol.displayName;
    if (this.daemon.snapshot().state !== 'ready') return `${name} is not running, so nothing is loaded`;
    const controller = new AbortController();
    const timer = this.clock.setTimer(this.timing.unloadTimeoutMs, () => controller.abort());
    try {
      const endpoint = await this.daemon.ensureReady({ deadlineMs: this.timing.unloadTimeoutMs, signal: controller.signal });
      let requestProblem = '';
      try {
        await this.protocol.unload(endpoint, this.model, controller.signal);
      } catch (error) {
        requestProblem = ` (the unload request failed: ${errorMessage(error)})`;
        this.note(requestProblem.trim());
      }
      for (;;) {
        const loaded = await this.options.listLoaded(endpoint, controller.signal);
        if (!loaded.some((m) => m.name === this.model)) return `unloaded from ${name}${requestProblem}`;
        if (controller.signal.aborted) break;
        await new Promise<void>((resolve) => this.clock.setTimer(this.timing.pollIntervalMs, resolve));
      }
      return `${name} still listed ${this.model} as loaded ${formatDuration(this.timing.unloadTimeoutMs)} after the unload request${requestProblem}`;
    } catch (error) {
      return `could not confirm the unload: ${errorMessage(error)}`;
    } finally {
      timer.cancel();
    }
  }

  // ------------------------------------------------- what the daemon says

  private onObservation(observation: LoadedObservation): void {
    if (observation.sequence < this.changedAt) return; // asked before our last change: stale
    const { loaded } = observation;
    if (this.state === 'ready') {
      if (loaded !== null) {
        this.loadedInfo = loaded;
        return;
      }
      this.loadedByUs = false;
      this.loadedInfo = null;
      this.transition('stopped', `${this.protocol.displayName} no longer lists ${this.model} as loaded (its keep-alive or TTL ran out, or another client unloaded it)`);
      return;
    }
    if (loaded !== null && (this.state === 'stopped' || (this.state === 'failed' && this.failedByDaemon))) {
      const endpoint = this.daemon.snapshot().state === 'ready' ? this.daemonEndpointNow() : null;
      if (endpoint === null) return;
      this.endpoint = endpoint;
      this.loadedInfo = loaded;
      this.lastError = null;
      this.failedByDaemon = false;
      const name = this.protocol.displayName;
      if (this.state === 'failed') {
        this.transition('starting', `${name} answers again`);
        this.becomeReady(`${name} still has it loaded`);
        return;
      }
      this.loadedByUs = false;
      this.becomeReady(`loaded in ${name} outside Homeport`);
    }
  }

  /** The daemon's endpoint from its snapshot (no I/O), or null. */
  private daemonEndpointNow(): RuntimeEndpoint | null {
    const snapshot = this.daemon.snapshot();
    if (snapshot.baseUrl === null || snapshot.port === null) return null;
    // Headers: Ollama and LM Studio need none; reuse the last known ones if any.
    const url = new URL(snapshot.baseUrl);
    return { baseUrl: snapshot.baseUrl, hostname: url.hostname, port: snapshot.port, headers: this.endpoint?.headers ?? {} };
  }

  private onDaemonState(from: RuntimeState, to: RuntimeState, reason: string): void {
    if (to === 'ready' || this.state === 'stopped' || this.state === 'stopping') return;
    if (to === 'failed') {
      if (this.state !== 'failed') this.fail(`${this.protocol.displayName} failed: ${reason}`, true);
      return;
    }
    // The daemon is stopping or restarting: whatever it had loaded is gone.
    if (from === 'ready' && (this.state === 'ready' || this.state === 'starting')) {
      this.generation += 1;
      this.loadController?.abort();
      this.loadController = null;
      this.loadedByUs = false;
      this.loadedInfo = null;
      this.lastError = `${this.protocol.displayName} went from ready to ${to} (${reason})`;
      const wasStarting = this.state === 'starting';
      this.transition('stopped', this.lastError);
      if (wasStarting) {
        this.core.rejectWaiters(new RuntimeNotReadyError(this.id, 'stopped', `Model "${this.model}" could not load: ${this.lastError ?? 'its daemon stopped'}; retry.`));
      }
    }
  }

  // ------------------------------------------------------------ state, errors

  private transition(to: RuntimeState, reason: string): void {
    this.changedAt = nextSequence();
    this.core.transition(to, reason);
  }

  private failedError(): RuntimeFailedError {
    const reason = this.lastError ?? 'failed';
    const advice = this.failedByDaemon ? 'start it (or let Homeport start it) and retry' : 'check the model and the daemon log, then start it again';
    return new RuntimeFailedError(this.id, `${this.protocol.displayName} model "${this.model}": ${reason}; ${advice}.`, []);
  }

  private notReadyError(what: string): RuntimeNotReadyError {
    const advice =
      this.state === 'starting'
        ? 'it is still loading (large models take a while); retry shortly or allow a longer deadline'
        : 'retry; it loads on demand';
    return new RuntimeNotReadyError(this.id, this.state, `Model "${this.model}" in ${this.protocol.displayName} ${what} (state: ${this.state}); ${advice}.`);
  }
}
