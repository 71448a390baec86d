/**
 * The lifecycle decisions log: what the model pool decided and why, in
 * words a person can read ("evicted qwen-7b (idle 12 min, 4.1 GiB) to fit
 * llama-8b (4.9 GiB) in the 8.0 GiB budget"). Bounded in memory (newest
 * kept), observable, and optionally mirrored to a JSON-lines file.
 */

export const DECISION_KINDS = ['load', 'evict', 'unload-idle', 'wait', 'refuse', 'stop', 'adopt', 'error'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** JSON-safe extra figures for the UI (bytes, ids, counts). */
export type DecisionDetail = string | number | boolean | null | readonly string[];

export interface Decision {
  /** Unix ms. */
  readonly at: number;
  readonly kind: DecisionKind;
  /** The model the decision is about. */
  readonly model: string;
  readonly reason: string;
  readonly details: Readonly<Record<string, DecisionDetail>>;
}

export interface DecisionInput {
  readonly kind: DecisionKind;
  readonly model: string;
  readonly reason: string;
  readonly details?: Readonly<Record<string, DecisionDetail>>;
}

/** Where decisions are persisted (e.g. a JsonLinesFile). */
export interface DecisionSink {
  append(decision: Decision): void;
  flush(): Promise<void>;
}

export interface DecisionLogOptions {
  /** Decisions kept in memory. Default 1,000. */
  readonly capacity?: number;
  readonly now?: () => number;
  readonly sink?: DecisionSink;
}

export const DEFAULT_DECISION_CAPACITY = 1_000;

export class DecisionLog {
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly sink: DecisionSink | undefined;
  private readonly entries: Decision[] = [];
  private readonly listeners = new Set<(decision: Decision) => void>();

  constructor(options: DecisionLogOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_DECISION_CAPACITY);
    this.now = options.now ?? Date.now;
    this.sink = options.sink;
  }

  record(input: DecisionInput): Decision {
    const decision: Decision = Object.freeze({
      at: this.now(),
      kind: input.kind,
      model: input.model,
      reason: input.reason,
      details: Object.freeze({ ...(input.details ?? {}) }),
    });
    this.entries.push(decision);
    if (this.entries.length > this.capacity) this.entries.shift();
    this.sink?.append(decision);
    for (const listener of [...this.listeners]) {
      try {
        listener(decision);
      } catch {
        // A failing listener (e.g. a closed UI stream) must not stop the pool or the other listeners.
      }
    }
    return decision;
  }

  /** The most recent decisions, oldest first; `limit` (default all kept) counts from the newest. */
  list(options: { readonly limit?: number } = {}): readonly Decision[] {
    const limit = options.limit ?? this.entries.length;
    return limit <= 0 ? [] : this.entries.slice(-limit);
  }

  subscribe(listener: (decision: Decision) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves once the sink has written everything recorded so far. */
  async flush(): Promise<void> {
    await this.sink?.flush();
  }
}
