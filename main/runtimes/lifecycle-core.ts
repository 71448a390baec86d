/**
 * The one state-machine core every runtime handle is built on (Supervisor
 * for processes, DaemonModelRuntime for a model in Ollama / LM Studio,
 * AttachedRuntime for a server Homeport did not start). Each kind configures
 * it with its transition table (all tables are here, side by side) and keeps
 * only what is its own: how to launch, load or check.
 *
 * What the core owns:
 * - the state, changed only through transition(), which checks the kind's
 *   table and emits a typed `state` event to every subscriber;
 * - one serial queue (run / post): operations that change state run one at
 *   a time, so nothing reads the state and then acts on a stale view;
 * - the ready cache: while ready, ensureReady's hot path is one field read;
 * - waiters: callers of ensureReady that wait (with a deadline, abortable)
 *   until the kind resolves or rejects them all at once.
 */
import type { Clock } from './process/health.js';
import type { EnsureReadyOptions, RuntimeEndpoint, RuntimeEvent, RuntimeState } from './types.js';

export type TransitionTable = Readonly<Record<RuntimeState, readonly RuntimeState[]>>;

/**
 * A spawned process (Supervisor): stopped → starting → ready → stopping →
 * stopped, plus failed. starting → starting: a crash while starting schedules
 * another attempt; ready → starting: a crash while ready restarts.
 */
export const PROCESS_TRANSITIONS: TransitionTable = {
  stopped: ['starting'],
  starting: ['starting', 'ready', 'stopping', 'failed'],
  ready: ['starting', 'stopping', 'failed'],
  stopping: ['stopped'],
  failed: ['starting'],
};

/**
 * A model in a daemon (DaemonModelRuntime). The daemon is shared, so things
 * happen outside Homeport: a model loaded by another client is adopted
 * (stopped → ready), one unloaded elsewhere or lost with its daemon goes
 * stopped from ready or starting, and a daemon that answers again revives a
 * failed model.
 */
export const DAEMON_MODEL_TRANSITIONS: TransitionTable = {
  stopped: ['starting', 'ready'],
  starting: ['ready', 'stopping', 'stopped', 'failed'],
  ready: ['starting', 'stopping', 'stopped', 'failed'],
  stopping: ['stopped'],
  failed: ['starting', 'stopping', 'stopped'],
};

/**
 * A server Homeport attached to (AttachedRuntime): its state follows health
 * checks; failed → ready when it answers again; stop() only lets go.
 */
export const ATTACHED_TRANSITIONS: TransitionTable = {
  stopped: ['starting'],
  starting: ['ready', 'failed', 'stopping'],
  ready: ['failed', 'stopping'],
  stopping: ['stopped'],
  failed: ['ready', 'stopping'],
};

export interface Waiter {
  resolve(endpoint: RuntimeEndpoint): void;
  reject(error: Error): void;
}

export interface LifecycleCoreOptions {
  readonly id: string;
  readonly transitions: TransitionTable;
  readonly clock: Clock;
  /** Where the core writes its notes (state changes, listener failures): the handle's log. */
  readonly note: (line: string) => void;
  /** The first state. Default stopped. */
  readonly initial?: RuntimeState;
}

/** ensureReady's options plus what the kind says about a caller that waits. */
export interface WaitOptions extends EnsureReadyOptions {
  /** The error for a waiter that gives up. */
  readonly notReady: (cause: 'deadline' | 'aborted') => Error;
  /** Called once the waiter is registered (e.g. to start the runtime on demand). */
  readonly onWaiting?: () => void;
}

export class LifecycleCore {
  readonly id: string;
  private readonly options: LifecycleCoreOptions;
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly waiters = new Set<Waiter>();
  private queueTail: Promise<unknown> = Promise.resolve();
  private current: RuntimeState;
  private readyPromise: Promise<RuntimeEndpoint> | null = null;
  private readyEndpoint: RuntimeEndpoint | null = null;
  private readyAt: number | null = null;

  constructor(options: LifecycleCoreOptions) {
    this.options = options;
    this.id = options.id;
    this.current = options.initial ?? 'stopped';
  }

  get state(): RuntimeState {
    return this.current;
  }

  /** When the runtime last became ready; null while not ready. */
  get readySince(): number | null {
    return this.readyAt;
  }

  /** The endpoint while ready (the ensureReady hot path: no I/O, no allocation); null otherwise. */
  get ready(): Promise<RuntimeEndpoint> | null {
    return this.readyPromise;
  }

  /** The endpoint while ready, as a value. */
  get endpoint(): RuntimeEndpoint | null {
    return this.readyEndpoint;
  }

  // ---------------------------------------------------------------- queue

  /** Run `operation` after every operation queued before it. */
  run<T>(operation: () => T | Promise<T>): Promise<T> {
    const result = this.queueTail.then(operation);
    this.queueTail = result.catch(() => undefined);
    return result;
  }

  /** Fire-and-forget run(); a failure becomes a note. */
  post(operation: () => void | Promise<void>): void {
    this.run(operation).catch((error: unknown) => this.options.note(`internal error: ${errorMessage(error)}`));
  }

  // ---------------------------------------------------------- transitions

  /** Change state (inside the queue). Throws on a transition the kind's table does not allow. */
  transition(to: RuntimeState, reason: string): void {
    const from = this.current;
    if (!this.options.transitions[from].includes(to)) {
      throw new Error(`runtime ${this.id}: transition ${from} → ${to} is not allowed (${reason})`);
    }
    this.current = to;
    if (to !== 'ready') {
      this.readyPromise = null;
      this.readyEndpoint = null;
      this.readyAt = null;
    }
    this.options.note(`${from} → ${to}: ${reason}`);
    this.emit({ type: 'state', runtimeId: this.id, from, to, reason, at: this.options.clock.now() });
  }

  /** Enter ready with `endpoint` and resolve every waiter with it. */
  becomeReady(endpoint: RuntimeEndpoint, reason: string): void {
    if (!this.options.transitions[this.current].includes('ready')) {
      throw new Error(`runtime ${this.id}: transition ${this.current} → ready is not allowed (${reason})`);
    }
    // Set before the event goes out: a listener that asks for the endpoint gets it.
    this.readyEndpoint = endpoint;
    this.readyPromise = Promise.resolve(endpoint);
    this.readyAt = this.options.clock.now();
    this.transition('ready', reason);
    this.settleWaiters((waiter) => waiter.resolve(endpoint));
  }

  // --------------------------------------------------------------- events

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: RuntimeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.note(`event listener threw: ${errorMessage(error)}`);
      }
    }
  }

  // -------------------------------------------------------------- waiters

  /** Wait for ready with a deadline; rejects with `notReady` on deadline or abort, or whatever the kind settles waiters with. */
  waitForReady(options: WaitOptions): Promise<RuntimeEndpoint> {
    const { deadlineMs, signal } = options;
    if (signal?.aborted) return Promise.reject(options.notReady('aborted'));
    return new Promise<RuntimeEndpoint>((resolve, reject) => {
      const finish = (): void => {
        this.waiters.delete(waiter);
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: (endpoint) => {
          finish();
          resolve(endpoint);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.reject(options.notReady('aborted'));
      const timer = this.options.clock.setTimer(deadlineMs, () => waiter.reject(options.notReady('deadline')));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      options.onWaiting?.();
    });
  }

  /** Inside the queue: a promise for reaching ready (resolved at once when ready, rejected with `failed()` when failed). */
  outcome(failed: () => Error): { readonly settled: Promise<void> } {
    if (this.current === 'ready') return { settled: Promise.resolve() };
    if (this.current === 'failed') return { settled: Promise.reject(failed()) };
    const settled = new Promise<void>((resolve, reject) => {
      this.waiters.add({ resolve: () => resolve(), reject });
    });
    return { settled };
  }

  /**
   * Run `operation` on the queue, then wait (outside the queue, so later
   * operations are not held up) until ready; rejects with `failed()` when the
   * runtime fails, or with whatever the kind settles waiters with. What
   * start() and restart() of every kind come down to.
   */
  async runUntilReady(operation: () => void | Promise<void>, failed: () => Error): Promise<void> {
    const pending = await this.run(async () => {
      await operation();
      return this.outcome(failed);
    });
    await pending.settled;
  }

  /** Settle every waiter at once (the set is emptied first, so settling may add new ones). */
  settleWaiters(settle: (waiter: Waiter) => void): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) settle(waiter);
  }

  rejectWaiters(error: Error): void {
    this.settleWaiters((waiter) => waiter.reject(error));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
