/**
 * The renderer's only way to the engine. In the desktop app the preload
 * exposes `window.homeport` and calls go over IPC; in a browser (the panel
 * served by `homeport serve`) they go over HTTP + server-sent events to the
 * same origin. Stores use this; components never do.
 *
 *   const result = await transport.call('loadModel', { id });
 *   if (!result.ok) showError(result.error.message);
 *   const stop = transport.subscribe('status', (event) => set({ status: event.data }));
 */
import type { DesktopBridge, Transport } from '../../preload/contract.js';
import { createHttpTransport } from './transport-http.js';
import { createIpcTransport } from './transport-ipc.js';

declare global {
  interface Window {
    /** Present in the desktop app (exposed by the preload script). */
    homeport?: DesktopBridge;
  }
}

/** IPC when the preload's bridge is there, HTTP + SSE otherwise. */
export function pickTransport(scope: { homeport?: DesktopBridge } | undefined = typeof window === 'undefined' ? undefined : window): Transport {
  return scope?.homeport ? createIpcTransport(scope.homeport) : createHttpTransport();
}

let current: Transport | null = null;

/** The panel's transport, created on first use. */
export function transport(): Transport {
  current ??= pickTransport();
  return current;
}

/** Tests install a transport of their own (e.g. createHttpTransport against a test engine, or a fake). */
export function setTransport(next: Transport | null): void {
  current = next;
}

export { describeConnection, backoffDelay } from './transport-connection.js';
export { createHttpTransport } from './transport-http.js';
export { createIpcTransport } from './transport-ipc.js';
export type { Transport, ConnectionState, Result, ContractError } from '../../preload/contract.js';
