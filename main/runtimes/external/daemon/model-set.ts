/**
 * All models of one daemon (Ollama or LM Studio): one DaemonModelRuntime per
 * model the daemon lists, all sharing the daemon's owner handle.
 *
 * - refresh(): asks the daemon for its models (and which are loaded); new
 *   models get a handle, models the daemon no longer has are dropped.
 * - The loaded list is fetched through one shared request at a time, and
 *   every answer is passed to every model's observe(), so one /api/ps keeps
 *   all of them honest. While the daemon is ready the list is also re-read
 *   every `watchIntervalMs` (models the daemon unloads on its own become
 *   `stopped`; models another client loads become `ready`).
 */
import { systemClock } from '../../process/health.js';
import type { Clock, TimerHandle } from '../../process/health.js';
import type { RuntimeEndpoint, RuntimeHandle } from '../../types.js';
import { DaemonModelRuntime, DEFAULT_DAEMON_TIMING, nextSequence } from './model-runtime.js';
import type { DaemonTiming } from './model-runtime.js';
import type { DaemonModelInfo, DaemonProtocol, LoadedModelInfo } from './protocol.js';

export interface DaemonModelSetOptions {
  /** The daemon: a Supervisor that spawned it or an AttachedRuntime. */
  readonly owner: RuntimeHandle;
  readonly protocol: DaemonProtocol;
  /** Model handle ids are `${idPrefix}${name}`, e.g. `ollama/`. */
  readonly idPrefix: string;
  /** Context every load asks for; absent = the daemon's default. */
  readonly contextLength?: number;
  readonly timing?: Partial<DaemonTiming>;
  /** Re-read the loaded list this often while the daemon is ready; 0 = only on demand. Default 10 s. */
  readonly watchIntervalMs?: number;
  /** Bound for one list request. Default 10 s. */
  readonly listTimeoutMs?: number;
  readonly clock?: Clock;
}

export interface DaemonModelListing {
  readonly runtime: DaemonModelRuntime;
  readonly info: DaemonModelInfo;
}

export class DaemonModelSet {
  readonly owner: RuntimeHandle;
  readonly protocol: DaemonProtocol;

  private readonly options: DaemonModelSetOptions;
  private readonly clock: Clock;
  private readonly timing: DaemonTiming;
  private readonly listTimeoutMs: number;
  private readonly byName = new Map<string, DaemonModelListing>();
  /** The loaded-list request in flight, per daemon base URL. */
  private loadedRequest: { baseUrl: string; promise: Promise<readonly LoadedModelInfo[]> } | null = null;
  private watchTimer: TimerHandle | null = null;
  private disposed = false;

  constructor(options: DaemonModelSetOptions) {
    this.options = options;
    this.owner = options.owner;
    this.protocol = options.protocol;
    this.clock = options.clock ?? systemClock;
    this.timing = { ...DEFAULT_DAEMON_TIMING, ...options.timing };
    this.listTimeoutMs = options.listTimeoutMs ?? 10_000;
  }

  /** The models as last listed, in the daemon's order. */
  listings(): readonly DaemonModelListing[] {
    return [...this.byName.values()];
  }

  /** Ask the daemon for its models and their loaded state. Rejects with a readable reason. */
  async refresh(): Promise<readonly DaemonModelListing[]> {
    const endpoint = await this.owner.ensureReady({ deadlineMs: this.timing.daemonDeadlineMs });
    const models = await this.protocol.listModels(endpoint, AbortSignal.timeout(this.listTimeoutMs));
    const seen = new Set<string>();
    const next = new Map<string, DaemonModelListing>();
    for (const info of models) {
      if (seen.has(info.name)) continue;
      seen.add(info.name);
      const runtime = this.byName.get(info.name)?.runtime ?? this.newRuntime(info.name);
      next.set(info.name, { runtime, info });
    }
    for (const [name, listing] of this.byName) {
      if (!next.has(name)) listing.runtime.dispose();
    }
    this.byName.clear();
    for (const [name, listing] of next) this.byName.set(name, listing);
    await this.listLoaded(endpoint);
    this.armWatch();
    return this.listings();
  }

  /** The daemon's loaded models; one request at a time, and every answer reaches every model. */
  listLoaded(endpoint: RuntimeEndpoint): Promise<readonly LoadedModelInfo[]> {
    if (this.loadedRequest !== null && this.loadedRequest.baseUrl === endpoint.baseUrl) return this.loadedRequest.promise;
    const sequence = nextSequence();
    const promise = this.protocol.listLoaded(endpoint, AbortSignal.timeout(this.listTimeoutMs)).then((loaded) => {
      for (const { runtime } of this.byName.values()) {
        runtime.observe({ sequence, loaded: loaded.find((m) => m.name === runtime.model) ?? null });
      }
      return loaded;
    });
    const request = { baseUrl: endpoint.baseUrl, promise };
    this.loadedRequest = request;
    const clear = (): void => {
      if (this.loadedRequest === request) this.loadedRequest = null;
    };
    promise.then(clear, clear);
    return promise;
  }

  /** Unload every model Homeport loaded itself (models found loaded are left alone). */
  async unloadOwn(): Promise<void> {
    const ours = this.listings().filter(({ runtime }) => runtime.loadedByHomeport);
    await Promise.all(ours.map(({ runtime }) => runtime.stop()));
  }

  /** Stop watching and let go of the daemon's events. */
  dispose(): void {
    this.disposed = true;
    this.watchTimer?.cancel();
    this.watchTimer = null;
    for (const { runtime } of this.byName.values()) runtime.dispose();
  }

  private newRuntime(name: string): DaemonModelRuntime {
    return new DaemonModelRuntime({
      id: `${this.options.idPrefix}${name}`,
      model: name,
      daemon: this.owner,
      protocol: this.protocol,
      listLoaded: (endpoint) => this.listLoaded(endpoint),
      contextLength: this.options.contextLength,
      timing: this.timing,
      clock: this.clock,
    });
  }

  private armWatch(): void {
    const intervalMs = this.options.watchIntervalMs ?? 10_000;
    if (intervalMs <= 0 || this.disposed || this.watchTimer !== null) return;
    this.watchTimer = this.clock.setTimer(intervalMs, () => {
      this.watchTimer = null;
      void this.watchOnce().finally(() => this.armWatch());
    });
  }

  private async watchOnce(): Promise<void> {
    // Ready, or failed (an attached daemon is re-checked; a failed Supervisor answers at once).
    // Never when stopped: ensureReady would start a daemon nobody asked for.
    const state = this.owner.snapshot().state;
    if (this.disposed || (state !== 'ready' && state !== 'failed')) return;
    try {
      const endpoint = await this.owner.ensureReady({ deadlineMs: this.listTimeoutMs });
      await this.listLoaded(endpoint);
    } catch {
      // The owner's own state says what went wrong; the next round tries again.
    }
  }
}
