import type { Transport } from '../../preload/contract.js';

/**
 * The contract's SubscribeArgs does not yet infer params for subscriptions
 * that take them (its `events` constraint rejects every concrete map), so the
 * call is made through this one typed door.
 */
export function subscribeWithParams<E>(t: Transport, name: 'download' | 'runtimeLogs', params: { readonly id: string }, listener: (event: E) => void): () => void {
  return (t.subscribe as unknown as (name: string, params: unknown, listener: (event: E) => void) => () => void)(name, params, listener);
}
