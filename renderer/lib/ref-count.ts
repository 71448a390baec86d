/**
 * A store's subscriptions run while at least one page needs them: the first
 * `acquire()` starts them, the last release stops them. Pages call it from an
 * effect, so StrictMode's mount–unmount–mount costs nothing extra, and a
 * browser keeps few event streams open (HTTP/1.1 allows six per origin).
 */
export interface RefCounted {
  /** Start if not running; returns this holder's release. */
  acquire(): () => void;
  readonly holders: number;
}

export function refCounted(start: () => () => void): RefCounted {
  let holders = 0;
  let stop: (() => void) | null = null;
  return {
    acquire() {
      holders += 1;
      if (holders === 1) stop = start();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holders -= 1;
        if (holders === 0 && stop) {
          const halt = stop;
          stop = null;
          halt();
        }
      };
    },
    get holders() {
      return holders;
    },
  };
}
