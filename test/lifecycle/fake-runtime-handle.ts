/**
 * A recording fake RuntimeHandle for lifecycle tests. It behaves like a
 * Supervisor as far as callers can tell (states, events, ensureReady with a
 * deadline and abort, start/stop/restart), with time from an injected clock:
 * loading takes `readyDelayMs`, stopping takes `stopDelayMs`. Every launch
 * and every stop is recorded with its timestamp.
 */
import type { Clock, TimerHandle } from '../../main/runtimes/process/health.js';
import { CoreRuntimeHandle } from '../../main/runtimes/core-runtime-handle.js';
import { PROCESS_TRANSITIONS } from '../../main/runtimes/lifecycle-core.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../../main/runtimes/types.js';
import type { EnsureReadyOptions, RuntimeEndpoint, RuntimeKind, RuntimeSnapshot, RuntimeState, RuntimeEvent } from '../../main/runtimes/types.js';

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

let nextPort = 41_000;

/** States, events, waiters and the ready hot path come from the lifecycle core, as in every real handle. */
export class FakeRuntimeHandle extends CoreRuntimeHandle {
  readonly calls: RecordedCall[] = [];
  readonly events: RuntimeEvent[] = [];
  /** Change between loads to control how long the next one takes. */
  readyDelayMs: number;
  stopDelayMs: number;
  /** When set, the next load ends in `failed` with this reason instead of ready. */
  failNextStartWith: string | null = null;

  private readonly endpoint: RuntimeEndpoint;
  private pendingTimer: TimerHandle | null = null;
  private stopped: Promise<void> = Promise.resolve();
  private failure: string | null = null;

  constructor(options: FakeRuntimeOptions) {
    super({ id: options.id, kind: options.kind ?? 'llama-server', transitions: PROCESS_TRANSITIONS, clock: options.clock, logLines: 1 });
    this.readyDelayMs = options.readyDelayMs ?? 1_000;
    this.stopDelayMs = options.stopDelayMs ?? 0;
    const port = options.port ?? nextPort++;
    this.endpoint = Object.freeze({ baseUrl: `http://127.0.0.1:${port}`, hostname: '127.0.0.1', port, headers: Object.freeze({}) });
    this.core.subscribe((event) => this.events.push(event));
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
    return this.snapshotWith({ pid: up ? 4242 : null, port: up ? this.endpoint.port : null, baseUrl: up ? this.endpoint.baseUrl : null, restarts: 0, lastError: this.failure });
  }

  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    if (this.core.ready !== null) return this.core.ready;
    if (this.state === 'failed') return Promise.reject(this.failedError());
    return this.core.waitForReady({
      ...options,
      notReady: (cause) => this.notReady(cause === 'aborted' ? 'aborted' : `deadline of ${options.deadlineMs} ms`),
      onWaiting: () => {
        if (this.state === 'stopped') this.launch('started on demand by a request');
      },
    });
  }

  async start(): Promise<void> {
    await this.stopped;
    if (this.state === 'ready') return;
    if (this.state === 'stopped' || this.state === 'failed') this.launch('start requested');
    await this.core.outcome(() => this.failedError()).settled;
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping') return this.stopped;
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.pendingTimer?.cancel();
    this.calls.push({ op: 'stop', id: this.id, at: this.clock.now() });
    this.core.transition('stopping', 'stop requested');
    this.core.rejectWaiters(new RuntimeNotReadyError(this.id, 'stopping', `Runtime "${this.id}" was stopped while the request waited.`));
    this.stopped = new Promise<void>((resolve) => {
      const done = (): void => {
        this.core.transition('stopped', 'exited after SIGTERM');
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

  /** Crash for good (as a supervisor does after too many crashes). */
  fail(reason: string): void {
    this.pendingTimer?.cancel();
    this.failure = reason;
    this.core.transition('failed', reason);
    this.core.rejectWaiters(this.failedError());
  }

  private launch(reason: string): void {
    this.calls.push({ op: 'start', id: this.id, at: this.clock.now() });
    this.failure = null;
    this.core.transition('starting', reason);
    this.pendingTimer = this.clock.setTimer(this.readyDelayMs, () => {
      this.pendingTimer = null;
      if (this.failNextStartWith !== null) {
        const failure = this.failNextStartWith;
        this.failNextStartWith = null;
        this.fail(failure);
        return;
      }
      this.core.becomeReady(this.endpoint, 'health check passed');
    });
  }

  private failedError(): RuntimeFailedError {
    return new RuntimeFailedError(this.id, `Runtime "${this.id}" failed: ${this.failure ?? 'failed'}`, []);
  }

  private notReady(cause: string): RuntimeNotReadyError {
    return new RuntimeNotReadyError(this.id, this.state, `Runtime "${this.id}" is not ready (${cause}; state: ${this.state}).`);
  }
}
