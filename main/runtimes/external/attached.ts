/**
 * A runtime server Homeport did not start and never kills: an Ollama, LM
 * Studio, llama-server or vLLM that was already running on its default port
 * or a configured URL.
 *
 * - ensureReady: answers from cache while the last good health check is
 *   fresh (`cacheMs`); otherwise checks health once (concurrent callers share
 *   the check). A failed runtime is checked again on the next call, so a
 *   server the user restarts is picked up without any action in Homeport.
 * - While ready, health is also polled every `watchIntervalMs`, so the state
 *   (and the handles built on it) learn that the server went away.
 * - start() re-checks health; stop() only stops watching: the server keeps
 *   running. restart() is a re-check, there is nothing to restart.
 *
 * States: stopped (not checked yet, or detached by stop()) → starting (first
 * check) → ready | failed; ready → failed when the server stops answering;
 * failed → ready when a later check finds it answering again.
 */
import type { HealthCheck } from './adapters/common.js';
import { systemClock } from '../process/health.js';
import type { Clock, TimerHandle } from '../process/health.js';
import { formatDuration } from '../process/restart-policy.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../types.js';
import { ATTACHED_TRANSITIONS } from '../lifecycle-core.js';
import { CoreRuntimeHandle } from '../core-runtime-handle.js';
import type { EnsureReadyOptions, RuntimeEndpoint, RuntimeKind, RuntimeSnapshot } from '../types.js';

export interface AttachedRuntimeOptions {
  readonly id: string;
  readonly kind: RuntimeKind;
  /** For messages: "Ollama", "LM Studio"... */
  readonly displayName: string;
  /** Where the server answers, e.g. `http://127.0.0.1:11434`. */
  readonly baseUrl: string;
  /** The runtime's health path and how to judge its answer (from the adapter). */
  readonly health: HealthCheck;
  /** Headers for every request to it (none for Ollama and LM Studio). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A good health check is trusted this long by ensureReady. Default 1000 ms. */
  readonly cacheMs?: number;
  /** Poll health this often while ready; 0 = never. Default 5000 ms. */
  readonly watchIntervalMs?: number;
  /** Bound for one health request. Default 2000 ms. */
  readonly probeTimeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
}

export interface HealthResult {
  readonly healthy: boolean;
  readonly reason: string;
}

/** One health request judged by the adapter's rule; never throws. */
export async function checkHealth(options: {
  readonly url: string;
  readonly health: HealthCheck;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}): Promise<HealthResult> {
  const fetchImpl = options.fetch ?? fetch;
  const url = `${options.url}${options.health.path}`;
  try {
    const response = await fetchImpl(url, { headers: options.headers, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
    const body = (await response.text()).slice(0, 4096);
    return options.health.judge({ status: response.status, body });
  } catch (error) {
    const err = error as Error & { cause?: { code?: unknown } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { healthy: false, reason: `no answer within ${formatDuration(options.timeoutMs)}` };
    const code = err.cause?.code;
    const readable: Readonly<Record<string, string>> = {
      ECONNREFUSED: 'connection refused',
      ECONNRESET: 'connection reset',
      UND_ERR_SOCKET: 'the connection was closed',
    };
    return { healthy: false, reason: typeof code === 'string' ? (readable[code] ?? code) : err.message };
  }
}

function endpointOf(baseUrl: string, headers: Readonly<Record<string, string>>): RuntimeEndpoint {
  const trimmed = baseUrl.replace(/\/+$/, '');
  const url = new URL(trimmed);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return Object.freeze({ baseUrl: trimmed, hostname: url.hostname, port, headers: Object.freeze({ ...headers }) });
}

export class AttachedRuntime extends CoreRuntimeHandle {
  /** Always true: the engine must never kill what this handle points at. */
  readonly attached = true;

  /** Homeport did not load this server's model and cannot free it. */
  managesLoad(): boolean {
    return false;
  }

  private readonly options: AttachedRuntimeOptions;
  private readonly endpoint: RuntimeEndpoint;
  private readonly where: string;
  private readonly cacheMs: number;
  private readonly watchIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private lastOkAt = Number.NEGATIVE_INFINITY;
  private lastError: string | null = null;
  /** The health check in flight, shared by every caller. */
  private checking: Promise<HealthResult> | null = null;
  private watchTimer: TimerHandle | null = null;
  /** Bumped by stop(): a check started before it must not revive the state. */
  private epoch = 0;

  constructor(options: AttachedRuntimeOptions) {
    super({ id: options.id, kind: options.kind, transitions: ATTACHED_TRANSITIONS, clock: options.clock ?? systemClock, logLines: 200 });
    this.options = options;
    this.endpoint = endpointOf(options.baseUrl, options.headers ?? {});
    this.where = `${this.endpoint.hostname}:${this.endpoint.port}`;
    this.cacheMs = options.cacheMs ?? 1_000;
    this.watchIntervalMs = options.watchIntervalMs ?? 5_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
  }

  snapshot(): RuntimeSnapshot {
    return this.snapshotWith({ pid: null, port: this.endpoint.port, baseUrl: this.endpoint.baseUrl, restarts: 0, lastError: this.lastError });
  }

  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    const ready = this.core.ready;
    if (ready !== null && this.clock.now() - this.lastOkAt < this.cacheMs) return ready;
    return this.checkWithin(options);
  }

  /** Check health now; resolves when it answers, rejects with RuntimeFailedError when not. */
  async start(): Promise<void> {
    const result = await this.check();
    if (!result.healthy) throw this.failedError();
  }

  /** Stop watching. Never touches the server: Homeport did not start it. */
  stop(): Promise<void> {
    this.epoch += 1;
    this.cancelWatch();
    if (this.state !== 'stopped') {
      this.core.transition('stopping', 'stop requested');
      this.core.transition('stopped', `Homeport stopped using ${this.options.displayName} at ${this.where}; the server keeps running`);
    }
    return Promise.resolve();
  }

  /** Nothing to restart in a server we do not own: check health again. */
  restart(): Promise<void> {
    return this.start();
  }

  // ------------------------------------------------------------------ checks

  private checkWithin(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    const { deadlineMs, signal } = options;
    if (signal?.aborted) return Promise.reject(this.notReadyError('was not ready when the request was cancelled'));
    return new Promise<RuntimeEndpoint>((resolve, reject) => {
      const finish = (): void => {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        finish();
        reject(this.notReadyError('was not ready when the request was cancelled'));
      };
      const timer = this.clock.setTimer(deadlineMs, () => {
        finish();
        reject(this.notReadyError(`did not answer its health check within ${formatDuration(deadlineMs)}`));
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.check().then(
        (result) => {
          finish();
          if (result.healthy) resolve(this.endpoint);
          else reject(this.failedError());
        },
        (error: unknown) => {
          finish();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** One shared health check; updates the state from its result. */
  private check(): Promise<HealthResult> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async runCheck(): Promise<HealthResult> {
    const epoch = this.epoch;
    // From failed the re-check is silent: a server that stays down must not flood the events.
    if (this.state === 'stopped') this.core.transition('starting', `checking ${this.options.displayName} at ${this.where}`);
    const result = await checkHealth({
      url: this.endpoint.baseUrl,
      health: this.options.health,
      headers: this.endpoint.headers,
      timeoutMs: this.probeTimeoutMs,
      fetch: this.options.fetch,
    });
    if (epoch !== this.epoch) return result; // stop() came first: stay stopped
    if (result.healthy) this.onHealthy(result.reason);
    else this.onUnhealthy(result.reason);
    return result;
  }

  private onHealthy(reason: string): void {
    this.lastOkAt = this.clock.now();
    this.lastError = null;
    if (this.state !== 'ready') this.core.becomeReady(this.endpoint, `${reason} (attached: Homeport did not start it and never stops it)`);
    this.armWatch();
  }

  private onUnhealthy(problem: string): void {
    const name = this.options.displayName;
    const reason =
      this.state === 'ready'
        ? `${name} at ${this.where} stopped answering (${problem}); start it again or let Homeport start it`
        : `${name} at ${this.where} does not answer (${problem}); start it or let Homeport start it`;
    this.lastError = reason;
    this.cancelWatch();
    if (this.state !== 'failed') this.core.transition('failed', reason);
    else this.note(reason);
  }

  private armWatch(): void {
    if (this.watchIntervalMs <= 0 || this.watchTimer !== null) return;
    this.watchTimer = this.clock.setTimer(this.watchIntervalMs, () => {
      this.watchTimer = null;
      if (this.state === 'ready') void this.check();
    });
  }

  private cancelWatch(): void {
    this.watchTimer?.cancel();
    this.watchTimer = null;
  }

  // ------------------------------------------------------------ state, errors

  private failedError(): RuntimeFailedError {
    return new RuntimeFailedError(this.id, this.lastError ?? `${this.options.displayName} at ${this.where} does not answer`, []);
  }

  private notReadyError(what: string): RuntimeNotReadyError {
    return new RuntimeNotReadyError(this.id, this.state, `${this.options.displayName} at ${this.where} ${what}; check that it is running and retry.`);
  }
}
