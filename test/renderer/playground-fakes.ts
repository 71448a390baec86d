/**
 * A transport double for store tests: answers calls from a table of handlers
 * (recording every call), hands subscriptions' listeners to the test to emit
 * events, and a frame scheduler the test flushes by hand.
 */
import type { CallName, Result, Transport } from '../../preload/contract.js';
import type { FrameScheduler } from '../../renderer/lib/frame-batch.js';
import { createConnectionCell } from '../../renderer/lib/transport-connection.js';
import type { ConnectionState } from '../../preload/contract.js';

export type CallHandler = (params: unknown) => Result<unknown> | Promise<Result<unknown>>;

export interface FakeTransport {
  readonly transport: Transport;
  readonly calls: { name: string; params: unknown }[];
  on(name: CallName, handler: CallHandler): void;
  emit(subscription: string, type: string, data: unknown): void;
  listeners(subscription: string): number;
  /** What the transport reports about its link to the engine (connected until set). */
  setConnection(state: ConnectionState): void;
}

export const ok = <T>(data: T): Result<T> => ({ ok: true, data });
export const fail = (code: string, message: string, extra: Record<string, unknown> = {}): Result<never> => ({ ok: false, error: { code, message, ...extra } });

export function fakeTransport(): FakeTransport {
  const handlers = new Map<string, CallHandler>();
  const calls: { name: string; params: unknown }[] = [];
  const subs = new Map<string, Set<(event: { type: string; data: unknown }) => void>>();
  const connection = createConnectionCell({ kind: 'connected' });
  const transport = {
    kind: 'http' as const,
    async call(name: string, params?: unknown) {
      calls.push({ name, params });
      const handler = handlers.get(name);
      if (!handler) return fail('not_faked', `no fake for ${name}`);
      return handler(params);
    },
    subscribe(name: string, ...rest: unknown[]) {
      const listener = rest[rest.length - 1] as (event: { type: string; data: unknown }) => void;
      const set = subs.get(name) ?? new Set();
      set.add(listener);
      subs.set(name, set);
      return () => set.delete(listener);
    },
    stream() {
      throw new Error('not used');
    },
    connection: { get: () => connection.get(), subscribe: connection.subscribe },
  } as unknown as Transport;
  return {
    transport,
    calls,
    on: (name, handler) => void handlers.set(name, handler),
    emit(subscription, type, data) {
      for (const listener of subs.get(subscription) ?? []) listener({ type, data });
    },
    listeners: (subscription) => subs.get(subscription)?.size ?? 0,
    setConnection: (state) => connection.set(state),
  };
}

/** Frames that run only when the test says so. */
export function manualFrames(): FrameScheduler & { run(): void; readonly pending: number } {
  let queue: (() => void)[] = [];
  return {
    request(callback) {
      queue.push(callback);
      return callback;
    },
    cancel(handle) {
      queue = queue.filter((c) => c !== handle);
    },
    run() {
      const now = queue;
      queue = [];
      for (const callback of now) callback();
    },
    get pending() {
      return queue.length;
    },
  };
}
