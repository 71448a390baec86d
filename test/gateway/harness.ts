/**
 * Test doubles and helpers for the gateway tests: a scriptable RuntimeHandle,
 * a recording MetricsSink, a gateway on a real loopback socket, and a small
 * HTTP client that lets a test set any header (Host, Origin, Content-Length).
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Router } from 'express';
import { afterAll, beforeAll } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/fake-upstream.js';
import { createGateway } from '../../main/gateway/app.js';
import { listenGateway } from '../../main/gateway/listen.js';
import type { ListeningGateway } from '../../main/gateway/listen.js';
import type { ModelDirectory, ModelEntry } from '../../main/gateway/types.js';
import type { MetricsSink, RequestInfo, RequestMeter, Usage } from '../../main/metrics/types.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../../main/runtimes/types.js';
import { TEST_CONTROL_TOKEN } from '../support/control-token.js';
import type {
  EnsureReadyOptions,
  LogLine,
  RuntimeEndpoint,
  RuntimeHandle,
  RuntimeSnapshot,
  RuntimeState,
} from '../../main/runtimes/types.js';

export type FakeRuntimeMode =
  | { readonly kind: 'ready'; readonly endpoint: RuntimeEndpoint }
  | { readonly kind: 'never-ready'; readonly state: RuntimeState }
  | { readonly kind: 'failed'; readonly reason: string };

/** A RuntimeHandle whose readiness a test decides. Records every ensureReady call. */
export class FakeRuntime implements RuntimeHandle {
  readonly kind = 'llama-server' as const;
  readonly ensureReadyCalls: EnsureReadyOptions[] = [];
  /** Requests holding the runtime right now, and how many holds were ever taken. */
  inFlight = 0;
  holdsTaken = 0;

  constructor(
    readonly id: string,
    public mode: FakeRuntimeMode,
  ) {}

  snapshot(): RuntimeSnapshot {
    const state: RuntimeState =
      this.mode.kind === 'ready' ? 'ready' : this.mode.kind === 'failed' ? 'failed' : this.mode.state;
    return {
      id: this.id,
      kind: this.kind,
      state,
      pid: null,
      port: this.mode.kind === 'ready' ? this.mode.endpoint.port : null,
      baseUrl: this.mode.kind === 'ready' ? this.mode.endpoint.baseUrl : null,
      restarts: 0,
      lastError: this.mode.kind === 'failed' ? this.mode.reason : null,
      readySince: null,
    };
  }

  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    this.ensureReadyCalls.push(options);
    const mode = this.mode;
    if (mode.kind === 'ready') return Promise.resolve(mode.endpoint);
    if (mode.kind === 'failed') return Promise.reject(new RuntimeFailedError(this.id, mode.reason, ['boom']));
    return new Promise((_resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new RuntimeNotReadyError(this.id, mode.state, `not ready after ${options.deadlineMs} ms`));
      }, options.deadlineMs);
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new RuntimeNotReadyError(this.id, mode.state, 'the wait was aborted'));
      });
    });
  }

  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  restart(): Promise<void> {
    return Promise.resolve();
  }
  logs(): readonly LogLine[] {
    return [];
  }
  subscribe(): () => void {
    return () => undefined;
  }
  hold(): () => void {
    this.inFlight++;
    this.holdsTaken++;
    let released = false;
    return () => {
      if (released) throw new Error('a hold was released twice');
      released = true;
      this.inFlight--;
    };
  }
}

export function modelEntry(
  id: string,
  runtime: RuntimeHandle,
  extra: { aliases?: string[]; upstreamModel?: string } = {},
): ModelEntry {
  return {
    id,
    aliases: extra.aliases ?? [],
    ownedBy: runtime.kind,
    created: 1_700_000_000,
    upstreamModel: extra.upstreamModel ?? id,
    runtime,
  };
}

export function directoryOf(entries: readonly ModelEntry[]): ModelDirectory {
  return {
    resolve: (name) => entries.find((entry) => entry.id === name || entry.aliases.includes(name)),
    list: () => entries,
  };
}

export type MeterEvent =
  | { readonly type: 'waiting' | 'forwarded' | 'firstToken' }
  | { readonly type: 'tokens'; readonly n: number }
  | { readonly type: 'finish'; readonly status: number; readonly usage?: Usage; readonly error?: string };

export interface RecordedMeter {
  readonly info: RequestInfo;
  readonly events: MeterEvent[];
  finishes: number;
}

/** A MetricsSink that keeps every call, in order. */
export class RecordingMetrics implements MetricsSink {
  readonly meters: RecordedMeter[] = [];

  begin(info: RequestInfo): RequestMeter {
    const recorded: RecordedMeter = { info, events: [], finishes: 0 };
    this.meters.push(recorded);
    return {
      waiting: () => recorded.events.push({ type: 'waiting' }),
      forwarded: () => recorded.events.push({ type: 'forwarded' }),
      firstToken: () => recorded.events.push({ type: 'firstToken' }),
      tokens: (n) => recorded.events.push({ type: 'tokens', n }),
      finish: (result) => {
        recorded.finishes++;
        recorded.events.push({ type: 'finish', ...result });
      },
    };
  }
}

/** Polls (every 5 ms, no busy-waiting) until `check` is true or the timeout passes. */
export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TestGateway extends ListeningGateway {
  readonly metrics: RecordingMetrics;
}

export interface StartGatewayOptions {
  readonly models: ModelDirectory;
  readonly bodyLimitBytes?: number;
  readonly readyDeadlineMs?: number;
  readonly controlRoutes?: Router;
}

export async function startGateway(options: StartGatewayOptions): Promise<TestGateway> {
  const metrics = new RecordingMetrics();
  const port = await freePort();
  const app = createGateway({
    port,
    models: options.models,
    metrics,
    bodyLimitBytes: options.bodyLimitBytes ?? 8 * 1024 * 1024,
    readyDeadlineMs: options.readyDeadlineMs ?? 1000,
    controlRoutes: options.controlRoutes,
    ...(options.controlRoutes !== undefined ? { controlToken: TEST_CONTROL_TOKEN } : {}),
  });
  const listening = await listenGateway(app, { port, host: '127.0.0.1' });
  return Object.assign(listening, { metrics });
}

/**
 * One ready model `m` served by a recording upstream double, behind a gateway
 * on a real socket: started before the file's tests, closed after them.
 * Read the fields inside tests (they are set once beforeAll has run).
 */
export function useGatewayOverUpstream(options: { readonly bodyLimitBytes: number; readonly readyDeadlineMs: number }): { readonly upstream: FakeUpstream; readonly gateway: TestGateway } {
  const env = {} as { upstream: FakeUpstream; gateway: TestGateway };
  beforeAll(async () => {
    env.upstream = await startFakeUpstream();
    env.gateway = await startGateway({
      models: directoryOf([modelEntry('m', new FakeRuntime('rt', { kind: 'ready', endpoint: env.upstream.endpoint() }))]),
      ...options,
    });
  });
  afterAll(async () => {
    await env.gateway?.close();
    await env.upstream?.close();
  });
  return env;
}

export interface CallOptions {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON-able value (sent as JSON), or a string/Buffer sent as is. */
  readonly body?: unknown;
}

export interface CallResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
}

/**
 * One request to the gateway with a fresh connection. `Host` defaults to
 * `127.0.0.1:<port>` and `Content-Type` (when there is a body) to JSON;
 * both can be overridden.
 */
export function call(port: number, options: CallOptions): Promise<CallResult> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string' || Buffer.isBuffer(options.body)
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, options.headers);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? (body === undefined ? 'GET' : 'POST'), path: options.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Parses an SSE body into its `data:` payloads. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .map((event) => event.trim())
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
}
