/**
 * The connection state a transport reports and the panel shows, plus the
 * reconnect backoff both transports use.
 */
import type { ConnectionState, Unsubscribe } from '../../preload/contract.js';

export interface ConnectionCell {
  get(): ConnectionState;
  set(state: ConnectionState): void;
  subscribe(listener: (state: ConnectionState) => void): Unsubscribe;
}

export function createConnectionCell(initial: ConnectionState = { kind: 'connecting' }): ConnectionCell {
  let state = initial;
  const listeners = new Set<(state: ConnectionState) => void>();
  return {
    get: () => state,
    set(next) {
      if (sameState(state, next)) return;
      state = next;
      for (const listener of [...listeners]) listener(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function sameState(a: ConnectionState, b: ConnectionState): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'retrying' && b.kind === 'retrying') return a.retryAt === b.retryAt && a.reason === b.reason;
  if (a.kind === 'unauthorized' && b.kind === 'unauthorized') return a.message === b.message;
  return true;
}

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly factor?: number;
  readonly maxMs?: number;
}

/**
 * Delay before reconnect attempt `attempt` (1-based): 1 s, 2 s, 4 s, 8 s, then
 * every 10 s. The engine is on this machine, so trying often costs nothing,
 * and a restarted engine is picked up within seconds rather than half a minute.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 1_000;
  const factor = options.factor ?? 2;
  const max = options.maxMs ?? 10_000;
  return Math.min(max, Math.round(initial * factor ** Math.max(0, attempt - 1)));
}

/**
 * The words the panel shows for a connection state, e.g. "Disconnected — retrying in 3 s". Null when all is well.
 * `retryInSeconds` is the status store's countdown (the one the banner shows too).
 */
export function describeConnection(state: ConnectionState, retryInSeconds: number | null): string | null {
  switch (state.kind) {
    case 'connected':
      return null;
    case 'connecting':
      return 'Connecting to Homeport…';
    case 'retrying':
      return retryInSeconds ? `Disconnected — retrying in ${retryInSeconds} s` : 'Disconnected — retrying now';
    case 'unauthorized':
      return state.message;
  }
}
