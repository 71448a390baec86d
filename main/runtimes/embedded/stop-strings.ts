/**
 * Finds stop strings in streamed text. A stop string may arrive split across
 * several tokens ("\n\nUs" + "er:"), so the tail of the text that could still
 * become a stop string is held back until the next piece decides it.
 * The text before the earliest stop string is released; the stop string and
 * everything after it are dropped.
 */

export interface StopScan {
  /** Text that is safe to send now. */
  readonly text: string;
  /** True once a stop string was found; `text` then ends just before it. */
  readonly stopped: boolean;
  /** The stop string found (when `stopped`). */
  readonly matched?: string;
}

export class StopStringDetector {
  readonly #stops: readonly string[];
  readonly #longest: number;
  #held = '';

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((stop) => stop.length > 0);
    this.#longest = this.#stops.reduce((max, stop) => Math.max(max, stop.length), 0);
  }

  push(piece: string): StopScan {
    if (this.#longest === 0) return { text: piece, stopped: false };
    const buffer = this.#held + piece;

    let cut = -1;
    let matched = '';
    for (const stop of this.#stops) {
      const at = buffer.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
        matched = stop;
      }
    }
    if (cut >= 0) {
      this.#held = '';
      return { text: buffer.slice(0, cut), stopped: true, matched };
    }

    const keep = this.#possibleStopStartLength(buffer);
    this.#held = keep > 0 ? buffer.slice(buffer.length - keep) : '';
    return { text: keep > 0 ? buffer.slice(0, buffer.length - keep) : buffer, stopped: false };
  }

  /** The held-back tail, released when generation ends for another reason. */
  flush(): string {
    const held = this.#held;
    this.#held = '';
    return held;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of some stop string. */
  #possibleStopStartLength(buffer: string): number {
    for (let length = Math.min(this.#longest - 1, buffer.length); length > 0; length--) {
      const tail = buffer.slice(buffer.length - length);
      if (this.#stops.some((stop) => stop.startsWith(tail))) return length;
    }
    return 0;
  }
}
