/**
 * When the engine comes back after the panel lost it (killed, restarted,
 * asleep), what the panel read before is stale: errors from the calls made
 * while it was away, requests "in flight" that died with it, a subscription
 * still waiting out its backoff. Feeds restart then, so every page recovers
 * without a reload.
 */
import type { ConnectionState, Unsubscribe } from '../../preload/contract.js';

export interface ConnectionSource {
  get(): ConnectionState;
  subscribe(listener: (state: ConnectionState) => void): Unsubscribe;
}

/** Calls `listener` each time the connection is back after it was lost (retrying → connected). */
export function onReconnect(connection: ConnectionSource, listener: () => void): Unsubscribe {
  let lost = connection.get().kind === 'retrying';
  return connection.subscribe((state) => {
    if (state.kind === 'retrying') lost = true;
    else if (state.kind === 'connected' && lost) {
      lost = false;
      listener();
    }
  });
}

/**
 * A feed's start function that starts over when the engine is back: the
 * running feed is stopped and started again (fresh calls, fresh
 * subscriptions). For `refCounted(...)`.
 */
export function restartOnReconnect(start: () => () => void, connection: () => ConnectionSource): () => () => void {
  return () => {
    let stop = start();
    const off = onReconnect(connection(), () => {
      stop();
      stop = start();
    });
    return () => {
      off();
      stop();
    };
  };
}
