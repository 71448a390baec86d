/**
 * Keeps the generations that share one llama.cpp context in step, so that
 * each decode batch carries the next token of every one of them, in slot
 * (= sequence id) order.
 *
 * Why it is needed (measured with node-llama-cpp 3.21.1, 4 streams):
 * - Each sequence queues its next decode from its own promise chain, after
 *   its own sampling finished on the thread pool. The chains drift apart:
 *   node-llama-cpp's dispatch loop takes whatever is queued when the previous
 *   batch ends, which was 3 tokens, the 4th going alone into the next batch.
 * - The batch lists sequences in the order they were queued. llama.cpp keeps
 *   one KV stream per sequence and cuts a batch into one micro-batch per run
 *   of consecutive sequence ids (2, 0, 1, 3 -> three graph computations
 *   instead of one), which also loses the matrix-matrix kernels: on
 *   bench-124m, 4 streams decoded no faster than 1.
 *
 * How: a generation that has received its token calls arrive() before asking
 * for the next one. When every member has arrived, all are released together
 * in slot order; their decodes are then queued in the same event-loop turn,
 * in that order, and node-llama-cpp dispatches them as one batch. A lone
 * generation never waits. A member must leave() before awaiting anything
 * else (a slow client), and when it stops generating; otherwise the others
 * would wait for it.
 *
 * Nothing here knows about llama.cpp: members are plain values (the slots).
 */
export class DecodeLockstep<T> {
  /** Release order: a member's position in the slot list. */
  readonly #rank: ReadonlyMap<T, number>;
  readonly #members = new Set<T>();
  readonly #arrived = new Map<T, () => void>();

  constructor(slots: readonly T[]) {
    this.#rank = new Map(slots.map((slot, index) => [slot, index]));
  }

  /** Number of generations currently in step. */
  get size(): number {
    return this.#members.size;
  }

  join(slot: T): void {
    if (!this.#rank.has(slot)) throw new Error('DecodeLockstep: unknown slot');
    this.#members.add(slot);
  }

  leave(slot: T): void {
    if (!this.#members.delete(slot)) return;
    this.#arrived.delete(slot);
    this.#releaseIfAllArrived();
  }

  /**
   * The member has its token and is about to ask for the next. Returns
   * undefined when it is alone (go on at once), otherwise a promise that
   * resolves when every member has arrived. The last to arrive waits too, so
   * that all continue in slot order.
   */
  arrive(slot: T): Promise<void> | undefined {
    if (!this.#members.has(slot)) throw new Error('DecodeLockstep: arrive() before join()');
    if (this.#members.size === 1) return undefined;
    const released = new Promise<void>((resolve) => this.#arrived.set(slot, resolve));
    this.#releaseIfAllArrived();
    return released;
  }

  #releaseIfAllArrived(): void {
    if (this.#arrived.size === 0 || this.#arrived.size < this.#members.size) return;
    const ready = [...this.#arrived].sort(([a], [b]) => this.#rank.get(a)! - this.#rank.get(b)!);
    this.#arrived.clear();
    // Resolved a microtask later, once the last to arrive is awaiting too: resolving its promise
    // before it awaits would put its continuation after everyone else's, whatever its rank.
    queueMicrotask(() => {
      for (const [, release] of ready) release();
    });
  }
}
