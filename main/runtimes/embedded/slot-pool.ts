/**
 * A fixed set of generation slots (one per parallel sequence of the llama.cpp
 * context) plus a bounded FIFO of requests waiting for one.
 *
 * - acquire() takes a free slot at once, or joins the queue, or fails with
 *   QueueFullError when the queue is at its limit (the route answers 429).
 * - A waiter whose signal aborts (client went away) leaves the queue.
 * - release() hands the slot straight to the oldest waiter.
 * Nothing here knows about llama.cpp, so the policy is tested with plain values.
 */

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(readonly queueLimit: number) {
    super(`all slots are busy and ${queueLimit} requests are already waiting`);
  }
}

export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
  constructor() {
    super('the slot pool is closed (shutting down)');
  }
}

export interface SlotLease<T> {
  readonly slot: T;
  /** Give the slot back; later calls do nothing. */
  release(): void;
}

export interface AcquireOptions<T> {
  /** Abort waiting in the queue (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Choose among the free slots (e.g. the one whose cached prefix matches best). Default: the first. */
  readonly choose?: (free: readonly T[]) => T;
}

export interface SlotPoolStats {
  readonly total: number;
  readonly busy: number;
  readonly queued: number;
}

interface Waiter<T> {
  readonly resolve: (lease: SlotLease<T>) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
}

export class SlotPool<T> {
  readonly #slots: readonly T[];
  readonly #free: T[];
  readonly #waiters: Waiter<T>[] = [];
  readonly #maxQueue: number;
  #closed = false;

  constructor(options: { readonly slots: readonly T[]; readonly maxQueue: number }) {
    if (options.slots.length === 0) throw new Error('a slot pool needs at least one slot');
    this.#slots = options.slots;
    this.#free = [...options.slots];
    this.#maxQueue = options.maxQueue;
  }

  stats(): SlotPoolStats {
    return { total: this.#slots.length, busy: this.#slots.length - this.#free.length, queued: this.#waiters.length };
  }

  acquire(options: AcquireOptions<T> = {}): Promise<SlotLease<T>> {
    const { signal, choose } = options;
    if (this.#closed) return Promise.reject(new PoolClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);

    if (this.#free.length > 0) {
      const slot = this.#free.length === 1 || choose === undefined ? this.#free[0]! : choose(this.#free);
      this.#free.splice(this.#free.indexOf(slot), 1);
      return Promise.resolve(this.#lease(slot));
    }
    if (this.#waiters.length >= this.#maxQueue) return Promise.reject(new QueueFullError(this.#maxQueue));

    return new Promise<SlotLease<T>>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Reject every waiter and refuse new requests (shutdown). Leased slots stay leased. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.detach();
      waiter.reject(new PoolClosedError());
    }
  }

  #lease(slot: T): SlotLease<T> {
    let released = false;
    return {
      slot,
      release: () => {
        if (released) return;
        released = true;
        this.#handOver(slot);
      },
    };
  }

  #handOver(slot: T): void {
    const next = this.#waiters.shift();
    if (next === undefined) {
      this.#free.push(slot);
      return;
    }
    next.detach();
    next.resolve(this.#lease(slot));
  }
}
