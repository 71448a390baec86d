/**
 * The worker side of worker-chat-streamer.ts: reads chat streams off the
 * page's main thread and posts what arrived in batches (the first at once,
 * then at most every `intervalMs`), each delta with the time it arrived.
 */
import { streamChatCompletion, type ChatUsage } from './chat-stream.js';
import type { WorkerReply, WorkerRequest } from './worker-chat-streamer.js';

interface WorkerScope {
  postMessage(message: WorkerReply): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerRequest>) => void): void;
}

const scope = self as unknown as WorkerScope;
const streams = new Map<number, AbortController>();
const clock = () => performance.timeOrigin + performance.now();

scope.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'cancel') streams.get(message.id)?.abort();
  else startStream(message);
});
scope.postMessage({ type: 'ready' });

function startStream({ id, request, endpointBase, intervalMs, rawLimit }: Extract<WorkerRequest, { type: 'start' }>) {
  const controller = new AbortController();
  streams.set(id, controller);
  let deltas: (readonly [string, number])[] = [];
  let raw: (readonly [string, unknown])[] = [];
  let rawForwarded = 0;
  let usage: ChatUsage | undefined;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastPost = Number.NEGATIVE_INFINITY;

  const post = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (deltas.length === 0 && raw.length === 0 && !usage) return;
    lastPost = performance.now();
    scope.postMessage({ type: 'batch', id, deltas, raw, ...(usage ? { usage } : {}) });
    deltas = [];
    raw = [];
    usage = undefined;
  };
  const schedule = () => {
    if (timer !== null) return;
    const wait = lastPost + intervalMs - performance.now();
    if (wait <= 0) post();
    else timer = setTimeout(post, wait);
  };

  const endpoint = new URL(request.endpoint, endpointBase).href;
  void streamChatCompletion((input, init) => fetch(input, init), { ...request, endpoint }, {
    onResponse(info) {
      scope.postMessage({ type: 'response', id, info });
    },
    onDelta(text) {
      deltas.push([text, clock()]);
      schedule();
    },
    onRaw(event, data) {
      // The raw view keeps the first `rawLimit`; one more tells it that later ones were dropped.
      // They go with the next batch of text (or the last one): a batch posted for an event alone would hold back the text that follows it.
      if (rawForwarded > rawLimit) return;
      rawForwarded += 1;
      raw.push([event, data]);
    },
    onUsage(u) {
      usage = { ...usage, ...u };
      schedule();
    },
  }, controller.signal).then((outcome) => {
    post();
    streams.delete(id);
    scope.postMessage({ type: 'done', id, outcome });
  });
}
