/**
 * A request naming a model Homeport does not know runs one re-detection pass
 * before it is answered 404: a user who restarts their llama-server or Ollama
 * (or pulls a model) gets an answer at once instead of "does not exist" until
 * the next periodic pass (runtimes.redetectSeconds, 30 s by default).
 *
 * Bounded: a pass already running is joined rather than doubled, and passes
 * started this way are at least `minIntervalMs` apart, so a client sending
 * typos in a loop costs one pass every few seconds, not one per request.
 */
export interface RefreshOnMissOptions {
  /** One re-detection pass (the engine's refreshRuntimes). */
  readonly pass: () => Promise<unknown>;
  /** Least time between two passes started by misses; default 5 s. */
  readonly minIntervalMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

/** Resolves when the model directory is as fresh as the rate limit allows; never rejects. */
export function createRefreshOnMiss(options: RefreshOnMissOptions): () => Promise<void> {
  const minIntervalMs = options.minIntervalMs ?? 5_000;
  const now = options.now ?? Date.now;
  let running: Promise<void> | null = null;
  let lastStart = -Infinity;
  return () => {
    if (running !== null) return running;
    if (now() - lastStart < minIntervalMs) return Promise.resolve();
    lastStart = now();
    running = options
      .pass()
      .then(
        () => undefined,
        (error: unknown) => {
          options.onError?.(error);
        },
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
}
