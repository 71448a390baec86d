/**
 * The desktop preload: exposes `window.homeport`, a frozen object of named
 * functions, one per call of the contract plus subscribe / unsubscribe /
 * stream / onEvent. The renderer never gets ipcRenderer itself, and
 * `onEvent` hands listeners the message only (never the IPC event, whose
 * `sender` would reach ipcRenderer).
 *
 * Built by main/build/desktop.mjs into one CommonJS file whose only require
 * is `electron`: a sandboxed preload can load nothing else.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CALLS, IPC, type BridgeEvent, type CallName, type DesktopBridge, type Result } from './contract.js';

const calls = Object.fromEntries(
  (Object.keys(CALLS) as CallName[]).map((name) => [name, (params?: unknown): Promise<Result<unknown>> => ipcRenderer.invoke(IPC.call, name, params)]),
) as DesktopBridge['calls'];

const bridge: DesktopBridge = {
  calls,
  subscribe: (key, name, params) => ipcRenderer.invoke(IPC.subscribe, key, name, params),
  unsubscribe: (key) => ipcRenderer.invoke(IPC.unsubscribe, key),
  stream: (key, name, params) => ipcRenderer.invoke(IPC.stream, key, name, params),
  onEvent(listener) {
    const forward = (_event: IpcRendererEvent, message: BridgeEvent) => listener(message);
    ipcRenderer.on(IPC.event, forward);
    return () => {
      ipcRenderer.removeListener(IPC.event, forward);
    };
  },
};

contextBridge.exposeInMainWorld('homeport', bridge);
