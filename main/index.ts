import { app, ipcMain, type BrowserWindow } from 'electron';
import { resolve } from 'node:path';
import { startEngine, type Engine } from './engine.js';
import { loadConfig } from './config/store.js';
import { dataPaths, defaultDataDir } from './config/paths.js';
import { killAllChildrenSync } from './runtimes/process/spawn.js';
import { createMainWindow } from './window.js';
import { bindControlIpc } from './ipc/control.js';
import { ensureControlToken } from './control/control-token.js';
import { createHttpTransport } from '../renderer/lib/transport-http.js';

/**
 * Electron entry: thin. One instance; the engine (the same one `homeport
 * serve` runs) starts with the app and is stopped before the app quits.
 */
let engine: Engine | null = null;
let window: BrowserWindow | null = null;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });

  app.whenReady().then(async () => {
    const dataDir = resolve(defaultDataDir());
    const config = await loadConfig(dataPaths(dataDir).config);
    engine = await startEngine({ config, dataDir, log: (line) => console.log(`[homeport] ${line}`) });
    window = createMainWindow();
    const token = await ensureControlToken(dataDir);
    bindControlIpc({
      ipcMain,
      transport: createHttpTransport({ baseUrl: `http://127.0.0.1:${engine.port}`, token }),
      isTrustedUrl: (url) => url.startsWith('file://'),
    });
  }).catch((err: Error) => {
    console.error(`Homeport could not start: ${err.message}`);
    app.exit(1);
  });

  app.on('window-all-closed', () => app.quit());

  app.on('before-quit', (event) => {
    if (quitting || !engine) return;
    event.preventDefault();
    quitting = true;
    engine.stop().finally(() => app.quit());
  });

  process.on('exit', () => killAllChildrenSync());
}
