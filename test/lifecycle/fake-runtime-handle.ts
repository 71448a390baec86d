/**
 * A recording fake RuntimeHandle for lifecycle tests. It behaves like a
 * Supervisor as far as callers can tell (states, events, ensureReady with a
 * deadline and abort, start/stop/restart), with time from an injected clock:
 * loading takes `readyDelayMs`, stopping takes `stopDelayMs`. Every launch
 * and every stop is recorded with its timestamp.
 */
import type { Clock, TimerHandle } from '../../main/runtimes/process/health.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../../main/runtimes/types.js';
import type {
  EnsureReadyOptions,
  LogLine,
  RuntimeEndpoint,
  RuntimeHandle,
  RuntimeKind,
  RuntimeSnapshot,
  RuntimeState,
  SupervisorEvent,
} from '../../main/runtimes/types.js';

export interface FakeRuntimeOptions {
  readonly id: string;
  readonly clock: Clock;
  readonly kind?: RuntimeKind;
  /** Time from start to ready. Default 1000 ms. */
  readonly readyDelayMs?: number;
  /** Time from stop to stopped. Default 0. */
  readonly stopDelayMs?: number;
  readonly port?: number;
}

export interface RecordedCall {
  /** `start`: a load began (stopped → starting); `stop`: an unload began (→ stopping). */
  readonly op: 'start' | 'stop';
  readonly id: string;
  readonly at: number;
}

interface Waiter {
  resolve(endpoint: RuntimeEndpoint): void;
  reject(error: Error): void;
}

let nextPort = 41_000;

export class FakeRuntimeHandle implements RuntimeHandle {
  readonly id: string;
  readonly kind: RuntimeKind;
  readonly calls: RecordedCall[] = [];
  readonly events: SupervisorEvent[] = [];
  /** Change between loads to control how long the next one takes. */
  readyDelayMs: number;
  stopDelayMs: number;
  /** When set, the next load ends in `failed` with this reason instead of ready. */
  failNextStartWith: string | null = null;

  private readonly clock: Clock;
  private readonly endpoint: RuntimeEndpoint;
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly waiters = new Set<Waiter>();
  private state: RuntimeState = 'stopped';
  private readyPromise: Promise<RuntimeEndpoint> | null = null;
  private pendingTimer: TimerHandle | null = null;
  private stopped: Promise<void> = Promise.resolve();
  private failure: string | null = null;

  constructor(options: FakeRuntimeOptions) {
    this.id = options.id;
    this.kind = options.kind ?? 'llama-server';
    this.clock = options.clock;
    this.readyDelayMs = options.readyDelayMs ?? 1_000;
    this.stopDelayMs = options.stopDelayMs ?? 0;
    const port = options.port ?? nextPort++;
    this.endpoint = Object.freeze({ baseUrl: `http://127.0.0.1:${port}`, hostname: '127.0.0.1', port, headers: Object.freeze({}) });
  }

  /** How many loads began. */
  get starts(): number {
    return this.calls.filter((call) => call.op === 'start').length;
  }

  get stops(): number {
    return this.calls.filter((call) => call.op === 'stop').length;
  }

  get currentState(): RuntimeState {
    return this.state;
  }

  snapshot(): RuntimeSnapshot {
    const up = this.state === 'ready' || this.state === 'starting';
    return {
      id: this.id,
      kind: this.kind,
      state: this.state,
      pid: up ? 4242 : null,
      port: up ? this.endpoint.port : null,
      baseUrl: up ? this.endpoint.baseUrl : null,
      restarts: 0,
      lastError: this.failure,
      readySince: null,
    };
  }

  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    if (this.readyPromise !== null) return this.readyPromise;
    if (this.state === 'failed') return Promise.reject(this.failedError());
    const { deadlineMs, signal } = options;
    if (signal?.aborted) return Promise.reject(this.notReady('aborted'));
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
      const onAbort = (): void => waiter.reject(this.notReady('aborted'));
      const timer = this.clock.setTimer(deadlineMs, () => waiter.reject(this.notReady(`deadline of ${deadlineMs} ms`)));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      if (this.state === 'stopped') this.launch('started on demand by a request');
    });
  }

  async start(): Promise<void> {
    await this.stopped;
    if (this.state === 'ready') return;
    if (this.state === 'stopped' || this.state === 'failed') this.launch('start requested');
    await new Promise<void>((resolve, reject) => {
      this.waiters.add({ resolve: () => resolve(), reject });
    });
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping') return this.stopped;
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.pendingTimer?.cancel();
    this.calls.push({ op: 'stop', id: this.id, at: this.clock.now() });
    this.transition('stopping', 'stop requested');
    const error = new RuntimeNotReadyError(this.id, 'stopping', `Runtime "${this.id}" was stopped while the request waited.`);
    for (const waiter of [...this.waiters]) waiter.reject(error);
    this.stopped = new Promise<void>((resolve) => {
      const done = (): void => {
        this.transition('stopped', 'exited after SIGTERM');
        resolve();
      };
      if (this.stopDelayMs <= 0) done();
      else this.pendingTimer = this.clock.setTimer(this.stopDelayMs, done);
    });
    return this.stopped;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  logs(): readonly LogLine[] {
    return [];
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Crash for good (as a supervisor does after too many crashes). */
  fail(reason: string): void {
    this.pendingTimer?.cancel();
    this.failure = reason;
    this.transition('failed', reason);
    const error = this.failedError();
    for (const waiter of [...this.waiters]) waiter.reject(error);
  }

  private launch(reason: string): void {
    this.calls.push({ op: 'start', id: this.id, at: this.clock.now() });
    this.failure = null;
    this.transition('starting', reason);
    this.pendingTimer = this.clock.setTimer(this.readyDelayMs, () => {
      this.pendingTimer = null;
      if (this.failNextStartWith !== null) {
        const failure = this.failNextStartWith;
        this.failNextStartWith = null;
        this.fail(failure);
        return;
      }
      this.readyPromise = Promise.resolve(this.endpoint);
      this.transition('ready', 'health check passed');
      for (const waiter of [...this.waiters]) waiter.resolve(this.endpoint);
    });
  }

  private transition(to: RuntimeState, reason: string): void {
    const from = this.state;
    this.state = to;
    if (to !== 'ready') this.readyPromise = null;
    const event: SupervisorEvent = { type: 'state', runtimeId: this.id, from, to, reason, at: this.clock.now() };
    this.events.push(event);
    for (const listener of [...this.listeners]) listener(event);
  }

  private failedError(): RuntimeFailedError {
    return new RuntimeFailedError(this.id, `Runtime "${this.id}" failed: ${this.failure ?? 'failed'}`, []);
  }

  private notReady(cause: string): RuntimeNotReadyError {
    return new RuntimeNotReadyError(this.id, this.state, `Runtime "${this.id}" is not ready (${cause}; state: ${this.state}).`);
  }
}
