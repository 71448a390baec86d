/**
 * The contract over Electron IPC: the desktop app, through the named
 * functions the preload exposes as `window.homeport` (never ipcRenderer).
 * Main reaches the in-process engine and forwards events; it reopens engine
 * streams itself, so here a subscription only ends when main says so.
 */
import {
  BRIDGE_END,
  type BridgeEvent,
  type CallName,
  type ConnectionState,
  type DesktopBridge,
  type Result,
  type StreamName,
  type SubscriptionName,
  type Transport,
} from '../../preload/contract.js';
import { createConnectionCell } from './transport-connection.js';

export function createIpcTransport(bridge: DesktopBridge): Transport {
  const connection = createConnectionCell({ kind: 'connected' });
  const routes = new Map<string, (event: BridgeEvent) => void>();
  let counter = 0;
  const nextKey = () => `k${Date.now().toString(36)}-${(counter += 1)}`;

  bridge.onEvent((event) => routes.get(event.key)?.(event));

  const note = <T>(result: Result<T>): Result<T> => {
    if (!result.ok && result.error.code === 'engine_unreachable') connection.set({ kind: 'retrying', retryAt: Date.now() + 1000, attempt: 1, reason: result.error.message });
    else if (result.ok) connection.set({ kind: 'connected' });
    return result;
  };

  async function call(name: CallName, params?: unknown): Promise<Result<unknown>> {
    const fn = bridge.calls[name];
    if (typeof fn !== 'function') return { ok: false, error: { code: 'unknown_call', message: `The desktop app does not offer "${String(name)}"; update Homeport.` } };
    try {
      return note(await fn(params));
    } catch (error) {
      return { ok: false, error: { code: 'ipc_failed', message: error instanceof Error ? error.message : String(error) } };
    }
  }

  function subscribe(name: SubscriptionName, ...rest: unknown[]): () => void {
    const listener = rest[rest.length - 1] as (event: { type: string; data: unknown }) => void;
    const params = rest.length > 1 ? rest[0] : undefined;
    const key = nextKey();
    routes.set(key, (event) => {
      if (event.type === BRIDGE_END) routes.delete(key);
      else listener({ type: event.type, data: event.data });
    });
    void bridge.subscribe(key, name, params).then((result) => {
      if (!result.ok) {
        routes.delete(key);
        listener({ type: 'error', data: result.error });
      }
    });
    return () => {
      if (!routes.delete(key)) return;
      void bridge.unsubscribe(key);
    };
  }

  function stream(name: StreamName, params: unknown, handlers: { onChunk: (chunk: never) => void; onDone: (result: Result<{ cancelled: boolean }>) => void }): () => void {
    const key = nextKey();
    let done = false;
    const finish = (result: Result<{ cancelled: boolean }>) => {
      if (done) return;
      done = true;
      routes.delete(key);
      handlers.onDone(result);
    };
    routes.set(key, (event) => {
      if (event.type === BRIDGE_END) finish(event.data as Result<{ cancelled: boolean }>);
      else handlers.onChunk(event.data as never);
    });
    void bridge.stream(key, name, params).then((result) => {
      if (!result.ok) finish(result);
    });
    return () => {
      if (done) return;
      void bridge.unsubscribe(key);
      finish({ ok: true, data: { cancelled: true } });
    };
  }

  return {
    kind: 'ipc',
    call: call as Transport['call'],
    subscribe: subscribe as Transport['subscribe'],
    stream: stream as Transport['stream'],
    connection: { get: (): ConnectionState => connection.get(), subscribe: connection.subscribe },
  };
}
