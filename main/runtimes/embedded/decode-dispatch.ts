/**
 * When node-llama-cpp dispatches the decodes queued on the worker's context,
 * and the work that should wait until just after that.
 *
 * The schedule is node-llama-cpp's default ("nextCycle": dispatch in
 * setImmediate, so every decode queued in this event-loop turn joins the same
 * batch), given to createContext as a custom `batching.dispatchSchedule` so
 * that the streams' socket writes (sse-stream.ts) can run once the next
 * decode has been handed to the thread pool: the write, and the client waking
 * up to read it, then overlap that decode instead of delaying it. That is one
 * check after the dispatch, not right after it: dispatch() reaches the native
 * decode only after a few promise hops (node-llama-cpp awaits its thread
 * allocation), and those run after the check callback that dispatched.
 *
 * node-llama-cpp does not call the schedule while a dispatch is waiting for
 * its context lock; it then decodes what is queued in a loop (a long prompt
 * going through in several batches while other sequences generate). So a
 * task never waits for a dispatch longer than `fallbackMs`.
 */

export interface DispatchTimers {
  setImmediate(callback: () => void): void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DecodeDispatchOptions {
  /** Longest a task waits for a dispatch (default 2 ms). */
  readonly fallbackMs?: number;
  /** Defaults to Node's timers. */
  readonly timers?: DispatchTimers;
  /** A task that throws does not stop the others; its error goes here (default: dropped). */
  readonly onTaskError?: (error: unknown) => void;
}

const nodeTimers: DispatchTimers = {
  setImmediate: (callback) => void setImmediate(callback),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class DecodeDispatch {
  readonly #timers: DispatchTimers;
  readonly #fallbackMs: number;
  readonly #onTaskError: (error: unknown) => void;
  #tasks: (() => void)[] = [];
  #runScheduled = false;
  #fallback: unknown;

  constructor(options: DecodeDispatchOptions = {}) {
    this.#timers = options.timers ?? nodeTimers;
    this.#fallbackMs = options.fallbackMs ?? 2;
    this.#onTaskError = options.onTaskError ?? (() => undefined);
  }

  /** For createContext({ batching: { dispatchSchedule } }). */
  readonly schedule = (dispatch: () => void): void => {
    this.#timers.setImmediate(() => {
      dispatch();
      if (this.#tasks.length === 0 || this.#runScheduled) return;
      this.#runScheduled = true;
      this.#timers.setImmediate(() => this.#runTasks());
    });
  };

  /** Run `task` once the next dispatch has reached the native decode, or after `fallbackMs` if none comes first. */
  afterNextDispatch(task: () => void): void {
    this.#tasks.push(task);
    this.#fallback ??= this.#timers.setTimeout(() => {
      this.#fallback = undefined;
      this.#runTasks();
    }, this.#fallbackMs);
  }

  #runTasks(): void {
    this.#runScheduled = false;
    if (this.#fallback !== undefined) {
      this.#timers.clearTimeout(this.#fallback);
      this.#fallback = undefined;
    }
    if (this.#tasks.length === 0) return;
    const tasks = this.#tasks;
    this.#tasks = [];
    for (const task of tasks) {
      try {
        task();
      } catch (error) {
        this.#onTaskError(error);
      }
    }
  }
}
