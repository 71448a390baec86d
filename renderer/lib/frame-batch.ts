/**
 * Live events arrive in bursts (a token stream, a download's progress, every
 * request's phase change). Stores queue them here and apply them once per
 * animation frame, so React renders at most once a frame however fast the
 * engine talks, and no single event handler does a render's worth of work.
 */

export interface FrameScheduler {
  request(callback: () => void): unknown;
  cancel(handle: unknown): void;
}

/** requestAnimationFrame where there is one; a 16 ms timer otherwise (tests, workers). */
export const animationFrames: FrameScheduler =
  typeof requestAnimationFrame === 'function'
    ? { request: (callback) => requestAnimationFrame(() => callback()), cancel: (handle) => cancelAnimationFrame(handle as number) }
    : { request: (callback) => setTimeout(callback, 16), cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>) };

export interface FrameBatch<T> {
  /** Queue one item; the flush runs on the next frame with everything queued by then. */
  push(item: T): void;
  /** Apply what is queued now (e.g. before unmounting) instead of waiting for the frame. */
  flush(): void;
  /** Drop what is queued and stop. */
  cancel(): void;
  readonly pending: number;
}

export interface FrameBatchOptions<T> {
  readonly apply: (items: readonly T[]) => void;
  readonly scheduler?: FrameScheduler;
}

export function createFrameBatch<T>(options: FrameBatchOptions<T>): FrameBatch<T> {
  const scheduler = options.scheduler ?? animationFrames;
  let queue: T[] = [];
  let handle: unknown = null;

  function flush() {
    if (handle !== null) scheduler.cancel(handle);
    handle = null;
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    options.apply(items);
  }

  return {
    push(item) {
      queue.push(item);
      if (handle === null) handle = scheduler.request(flush);
    },
    flush,
    cancel() {
      if (handle !== null) scheduler.cancel(handle);
      handle = null;
      queue = [];
    },
    get pending() {
      return queue.length;
    },
  };
}

/**
 * Keep only the newest item per key until the frame: a progress stream that
 * sends 200 updates a second for one download becomes one update per frame.
 */
export function createLatestByKey<T>(options: { readonly key: (item: T) => string; readonly apply: (latest: ReadonlyMap<string, T>) => void; readonly scheduler?: FrameScheduler }): FrameBatch<T> {
  return createFrameBatch<T>({
    scheduler: options.scheduler,
    apply(items) {
      const latest = new Map<string, T>();
      for (const item of items) latest.set(options.key(item), item);
      options.apply(latest);
    },
  });
}
