import type { ControlContract, EngineStatus, LogLine, RuntimeSnapshot } from '../../preload/contract.js';

declare global {
  interface Window {
    /** Present in the desktop app (exposed by the preload script). */
    homeport?: ControlContract;
  }
}

/** The control API over HTTP, for the headless engine and the browser. Same origin as the gateway. */
function httpTransport(base = '/homeport/v1'): ControlContract {
  async function call<T>(path: string, method = 'GET'): Promise<T> {
    const res = await fetch(`${base}${path}`, { method });
    const body = (await res.json()) as T & { error?: { message: string } };
    if (!res.ok) throw new Error(body.error?.message ?? `${method} ${path} failed with ${res.status}`);
    return body;
  }
  const enc = encodeURIComponent;
  return {
    status: () => call<EngineStatus>('/status'),
    runtimeLogs: async (id) => (await call<{ lines: LogLine[] }>(`/runtimes/${enc(id)}/logs`)).lines,
    startRuntime: (id) => call<RuntimeSnapshot>(`/runtimes/${enc(id)}/start`, 'POST'),
    stopRuntime: (id) => call<RuntimeSnapshot>(`/runtimes/${enc(id)}/stop`, 'POST'),
    restartRuntime: (id) => call<RuntimeSnapshot>(`/runtimes/${enc(id)}/restart`, 'POST'),
  };
}

/** IPC in the desktop app, HTTP everywhere else. The renderer talks to the engine only through this. */
export const api: ControlContract = window.homeport ?? httpTransport();
