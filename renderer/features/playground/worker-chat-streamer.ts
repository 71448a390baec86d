/**
 * Chat streams read in a worker. A 3,000-token answer arrives as thousands of
 * network chunks; read on the page, each is a task of its own on the main
 * thread (read, decode, SSE parse, JSON parse) beside the renders. The worker
 * (chat-stream.worker.ts) does that work and hands the page what arrived in
 * batches, at most every LIVE_TEXT_INTERVAL_MS (each delta keeps the time it
 * arrived, so TTFT and tok/s are as exact as before): a few dozen small tasks
 * a second on the page instead of hundreds.
 *
 * Where no worker can run (no Worker, or its script cannot load, e.g. a
 * policy forbids it), the streams run on the page as before: a request the
 * worker never started is sent again from the page, so nothing is lost.
 */
import { LIVE_TEXT_INTERVAL_MS } from '../../lib/frame-batch.js';
import { createFetchChatStreamer, type ChatOutcome, type ChatResponseInfo, type ChatStreamer, type ChatStreamHandlers, type ChatStreamRequest, type ChatUsage } from './chat-stream.js';

/** Page → worker. */
export type WorkerRequest =
  | { readonly type: 'start'; readonly id: number; readonly request: ChatStreamRequest; readonly endpointBase: string; readonly intervalMs: number; readonly rawLimit: number }
  | { readonly type: 'cancel'; readonly id: number };

/** Worker → page. `at` times are epoch ms (performance.timeOrigin + now()), the same clock on both sides. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'response'; readonly id: number; readonly info: ChatResponseInfo }
  | { readonly type: 'batch'; readonly id: number; readonly deltas: readonly (readonly [string, number])[]; readonly raw: readonly (readonly [string, unknown])[]; readonly usage?: ChatUsage }
  | { readonly type: 'done'; readonly id: number; readonly outcome: ChatOutcome };

/** The part of a Worker this uses (tests pass a fake). */
export interface WorkerLike {
  postMessage(message: WorkerRequest): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerReply>) => void): void;
  addEventListener(type: 'error', listener: (event: Event) => void): void;
}

export interface WorkerChatStreamerOptions {
  /** Makes the worker; null when none can run here. */
  readonly createWorker?: () => WorkerLike | null;
  /** Streams on the page, when there is no worker. */
  readonly fallback?: ChatStreamer;
  readonly intervalMs?: number;
  /** Raw events forwarded per stream (the raw view keeps fewer; one more tells it some were dropped). */
  readonly rawLimit?: number;
  /** The page's time origin (epoch ms), to turn the worker's times into performance.now() of the page. */
  readonly timeOrigin?: number;
  /** Resolves a relative endpoint (`/v1`) for the worker, whose base URL is its script's. */
  readonly baseUrl?: string;
}

interface Entry {
  readonly request: ChatStreamRequest;
  readonly handlers: ChatStreamHandlers;
  heard: boolean;
  done: boolean;
  cancelFallback: (() => void) | null;
}

function defaultWorker(): WorkerLike | null {
  if (typeof Worker === 'undefined') return null;
  try {
    return new Worker(new URL('./chat-stream.worker.ts', import.meta.url), { type: 'module', name: 'chat-stream' }) as unknown as WorkerLike;
  } catch {
    return null;
  }
}

/** A streamer whose worker can be started ahead (when the Playground opens), so the first answer does not wait for it. */
export type WorkerChatStreamer = ChatStreamer & { prepare(): void };

export function createWorkerChatStreamer(options: WorkerChatStreamerOptions = {}): WorkerChatStreamer {
  const fallback = options.fallback ?? createFetchChatStreamer();
  const intervalMs = options.intervalMs ?? LIVE_TEXT_INTERVAL_MS;
  const rawLimit = options.rawLimit ?? 400;
  const timeOrigin = options.timeOrigin ?? (typeof performance !== 'undefined' ? performance.timeOrigin : 0);
  const baseUrl = options.baseUrl ?? (typeof location !== 'undefined' ? location.href : 'http://localhost/');
  const entries = new Map<number, Entry>();
  let nextId = 1;
  let worker: WorkerLike | null | undefined;
  let ready = false;

  const finish = (id: number, outcome: ChatOutcome) => {
    const entry = entries.get(id);
    if (!entry || entry.done) return;
    entry.done = true;
    entries.delete(id);
    entry.handlers.onDone(outcome);
  };

  /** The worker is gone: streams it never started go again from the page; one it was reading ends with an error. */
  const giveUpWorker = () => {
    worker = null;
    for (const [id, entry] of entries) {
      if (entry.cancelFallback || entry.done) continue;
      if (!ready && !entry.heard) entry.cancelFallback = fallback(entry.request, entry.handlers);
      else finish(id, { kind: 'error', code: 'stream_error', message: 'The answer stopped part-way: the page lost the worker reading it. Send it again.' });
    }
  };

  function workerNow(): WorkerLike | null {
    if (worker !== undefined) return worker;
    worker = (options.createWorker ?? defaultWorker)();
    if (!worker) return null;
    worker.addEventListener('error', giveUpWorker);
    worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (reply.type === 'ready') {
        ready = true;
        return;
      }
      const entry = entries.get(reply.id);
      if (!entry || entry.cancelFallback) return;
      entry.heard = true;
      if (reply.type === 'response') entry.handlers.onResponse(reply.info);
      else if (reply.type === 'batch') {
        for (const [event, data] of reply.raw) entry.handlers.onRaw?.(event, data);
        for (const [text, at] of reply.deltas) entry.handlers.onDelta(text, at - timeOrigin);
        if (reply.usage) entry.handlers.onUsage(reply.usage);
      } else if (reply.type === 'done') finish(reply.id, reply.outcome);
    });
    return worker;
  }

  const streamChat: ChatStreamer = (request, handlers) => {
    const target = workerNow();
    if (!target) return fallback(request, handlers);
    const id = nextId++;
    const entry: Entry = { request, handlers, heard: false, done: false, cancelFallback: null };
    entries.set(id, entry);
    target.postMessage({ type: 'start', id, request, endpointBase: baseUrl, intervalMs, rawLimit });
    return () => {
      if (entry.cancelFallback) {
        entry.cancelFallback();
        return;
      }
      worker?.postMessage({ type: 'cancel', id });
      finish(id, { kind: 'stopped' });
    };
  };
  return Object.assign(streamChat, { prepare: () => void workerNow() });
}
