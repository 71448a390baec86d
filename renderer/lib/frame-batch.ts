/**
 * Live events arrive in bursts (a token stream, a download's progress, every
 * request's phase change). Stores queue them here and apply them once per
 * animation frame, so React renders at most once a frame however fast the
 * engine talks, and no single event handler does a render's worth of work.
 * Live pages pace their batches further with `pacedFrames` (10–20 Hz).
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

/** The clock and timer behind pacedFrames (tests pass fakes). */
export interface PaceClock {
  now(): number;
  delay(callback: () => void, ms: number): unknown;
  cancelDelay(handle: unknown): void;
}

const realClock: PaceClock = {
  now: () => (typeof performance !== 'undefined' ? performance.now() : Date.now()),
  delay: (callback, ms) => setTimeout(callback, ms),
  cancelDelay: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Animation frames at most every `minIntervalMs`: a request made sooner than
 * that after the last frame this scheduler ran waits for the rest of the
 * interval, then for a frame. A live table at 10 Hz still moves visibly and
 * costs a sixth of the renders, layouts, paints and rasters of one at 60 Hz,
 * which counts on a machine whose cores are busy generating the tokens shown.
 * One instance per batch (it remembers when it last ran).
 */
export function pacedFrames(minIntervalMs: number, base: FrameScheduler = animationFrames, clock: PaceClock = realClock): FrameScheduler {
  let lastRun = Number.NEGATIVE_INFINITY;
  interface Handle {
    timer: unknown;
    frame: unknown;
  }
  return {
    request(callback) {
      const handle: Handle = { timer: null, frame: null };
      const onFrame = () => {
        handle.frame = base.request(() => {
          handle.frame = null;
          lastRun = clock.now();
          callback();
        });
      };
      const wait = lastRun + minIntervalMs - clock.now();
      if (wait > 0) {
        handle.timer = clock.delay(() => {
          handle.timer = null;
          onFrame();
        }, wait);
      } else {
        onFrame();
      }
      return handle;
    },
    cancel(value) {
      const handle = value as Handle;
      if (handle.timer !== null) clock.cancelDelay(handle.timer);
      if (handle.frame !== null) base.cancel(handle.frame);
      handle.timer = null;
      handle.frame = null;
    },
  };
}

/** Live tables move at 10 Hz: visibly live, and a sixth of the work of redrawing them every frame. */
export const LIVE_TABLE_INTERVAL_MS = 100;
/** A streaming answer grows at 20 Hz: smooth to read, a third of the work of every frame. */
export const LIVE_TEXT_INTERVAL_MS = 50;

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
