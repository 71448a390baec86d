import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNELS } from '../../preload/contract.js';
import type { Engine } from '../engine.js';
import type { RuntimeHandle } from '../runtimes/types.js';

/** Bind the control contract to IPC. Every handler checks that the sender is our own window. */
export function bindControlIpc(engine: Engine, trusted: () => WebContents | null): () => void {
  const guard = (event: IpcMainInvokeEvent) => {
    if (event.sender !== trusted()) throw new Error('IPC from an untrusted sender was refused');
  };
  const runtime = (id: unknown): RuntimeHandle => {
    const found = engine.runtimes.find((r) => r.id === id);
    if (!found) throw new Error(`No runtime "${String(id)}"`);
    return found;
  };
  ipcMain.handle(CHANNELS.status, (e) => (guard(e), engine.status()));
  ipcMain.handle(CHANNELS.runtimeLogs, (e, id: unknown) => (guard(e), runtime(id).logs()));
  ipcMain.handle(CHANNELS.startRuntime, async (e, id: unknown) => (guard(e), await runtime(id).start(), runtime(id).snapshot()));
  ipcMain.handle(CHANNELS.stopRuntime, async (e, id: unknown) => (guard(e), await runtime(id).stop(), runtime(id).snapshot()));
  ipcMain.handle(CHANNELS.restartRuntime, async (e, id: unknown) => (guard(e), await runtime(id).restart(), runtime(id).snapshot()));
  return () => Object.values(CHANNELS).forEach((channel) => ipcMain.removeHandler(channel));
}
