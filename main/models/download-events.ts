/**
 * The events one download emits, and a tiny typed emitter for them.
 * Subscriptions return an unsubscribe function. A listener that throws is
 * ignored: a broken UI callback must not break the transfer.
 */

export interface DownloadProgress {
  /** Bytes on disk for the whole selection (every part of a split model), resumed bytes included. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Recent transfer rate (bytes/second) over the last few seconds; 0 before any byte arrives. */
  readonly rateBytesPerSec: number;
  /** Seconds left at the current rate; null while the rate is unknown. */
  readonly etaSec: number | null;
  /** The repo path of the file being transferred. */
  readonly file: string;
}

export interface DownloadEventMap {
  progress: DownloadProgress;
  /** A file's bytes are all there; its size and digest are being checked. */
  verifying: { readonly file: string };
  /** Every file verified and renamed into place; paths in part order. */
  done: { readonly paths: readonly string[] };
  error: { readonly message: string; readonly code: string };
  /** Stopped by `cancel()`; partial files stay for a later resume. */
  cancelled: { readonly partPaths: readonly string[] };
}

export type DownloadEventName = keyof DownloadEventMap;
type Listener<K extends DownloadEventName> = (event: DownloadEventMap[K]) => void;

export class DownloadEvents {
  // Stored loosely typed; `on` and `emit` keep each name paired with its payload type.
  private readonly listeners = new Map<DownloadEventName, Set<(event: never) => void>>();

  on<K extends DownloadEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const registered = set;
    registered.add(listener);
    return () => {
      registered.delete(listener);
    };
  }

  emit<K extends DownloadEventName>(name: K, event: DownloadEventMap[K]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        (listener as Listener<K>)(event);
      } catch {
        // See the file comment: listeners cannot break a download.
      }
    }
  }
}
