import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, type ControlContract } from './contract.js';

/** Named functions only: the renderer never gets ipcRenderer itself. */
const api: ControlContract = {
  status: () => ipcRenderer.invoke(CHANNELS.status),
  runtimeLogs: (id) => ipcRenderer.invoke(CHANNELS.runtimeLogs, id),
  startRuntime: (id) => ipcRenderer.invoke(CHANNELS.startRuntime, id),
  stopRuntime: (id) => ipcRenderer.invoke(CHANNELS.stopRuntime, id),
  restartRuntime: (id) => ipcRenderer.invoke(CHANNELS.restartRuntime, id),
};

contextBridge.exposeInMainWorld('homeport', api);
