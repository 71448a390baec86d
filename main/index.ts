import { app, clipboard, dialog, ipcMain, Menu, nativeImage, safeStorage, screen, Tray, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, type Engine } from './engine.js';
import { loadConfig } from './config/store.js';
import { ConfigError } from './config/errors.js';
import { dataPaths, defaultDataDir } from './config/paths.js';
import { killAllChildrenSync } from './runtimes/process/spawn.js';
import { bundledDemoModel } from './models/demo/demo-model.js';
import { ensureControlToken } from './control/control-token.js';
import { APP_ORIGIN, createMainWindow, lockDownSession, registerAppScheme, serveRenderer } from './window.js';
import { bindControlIpc } from './ipc/control.js';
import { createTrustedPagePolicy } from './ipc/trusted-page.js';
import { createHttpTransport } from '../renderer/lib/transport-http.js';
import type { ModelView, Transport } from '../preload/contract.js';
import { trayView, type TrayAction, type TrayItem } from './desktop/tray-menu.js';
import { TRAY_ICON_PNG_BASE64 } from './desktop/tray-icon.js';
import { loadWindowState, placeWindow, saveWindowState } from './desktop/window-state.js';
import { HIDDEN_FLAG, setXdgAutostart } from './desktop/autostart.js';
import { createSafeStorageCipher, type SecretCipher } from './secrets/safe-storage.js';

/**
 * Electron entry: thin. One instance (a second launch focuses the window);
 * the same engine `homeport serve` runs starts in-process; the panel talks to
 * it over IPC (main forwards to the engine's control API with the token, so
 * desktop and browser reach the same routes); a tray icon shows the endpoint,
 * loaded models and speed, with quick actions. Closing the window keeps the
 * engine running in the tray unless the user turned that off; Quit stops every
 * runtime Homeport started before the app exits.
 */
const TRAY_REFRESH_MS = 2_000;

let engine: Engine | null = null;
let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;
let closeToTray = true;

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  app.whenReady().then(start).catch((err: Error) => {
    dialog.showErrorBox('Homeport could not start', err.message);
    app.exit(1);
  });

  app.on('window-all-closed', () => {
    if (!closeToTray) app.quit();
  });

  app.on('before-quit', (event) => {
    if (!engine) return;
    quitting = true;
    const stopping = engine;
    engine = null;
    event.preventDefault();
    tray?.destroy();
    stopping.stop().finally(() => app.quit());
  });

  // Whatever happens, no runtime child outlives the app.
  process.on('exit', () => killAllChildrenSync());
}

async function start(): Promise<void> {
  const dataDir = resolve(defaultDataDir());
  const paths = dataPaths(dataDir);
  let config;
  try {
    config = await loadConfig(paths.config);
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`${error.message}\n\nFix ${paths.config} and start Homeport again.`, { cause: error });
    throw error;
  }
  closeToTray = config.desktop.closeToTray;

  engine = await startEngine({
    config,
    dataDir,
    configFile: paths.config,
    // Cloud keys and the HF token go through the OS keychain; the renderer only ever sees "set / not set".
    ...secretCipherOption(),
    fallbackModelPath: bundledDemoModel(),
    log: (line) => console.log(`[homeport] ${line}`),
    settingsAppliers: {
      startOnLogin: async (next) => (await applyLoginItem(next.desktop.startOnLogin), true),
      closeToTray: (next) => ((closeToTray = next.desktop.closeToTray), true),
    },
  });
  await applyLoginItem(config.desktop.startOnLogin).catch((e: Error) => console.error(`[homeport] start on login: ${e.message}`));

  const engineOrigin = `http://127.0.0.1:${engine.port}`;
  const transport = createHttpTransport({ baseUrl: engineOrigin, token: await ensureControlToken(dataDir) });
  const devServerUrl = !app.isPackaged ? process.env.HOMEPORT_DEV_SERVER_URL : undefined;
  bindControlIpc({
    ipcMain,
    transport,
    isTrustedUrl: createTrustedPagePolicy({ appOrigin: APP_ORIGIN, ...(devServerUrl ? { devServerUrl } : {}) }),
    log: (line) => console.warn(`[homeport] ${line}`),
  });

  lockDownSession();
  serveRenderer({ rendererDir: fileURLToPath(new URL('../renderer/', import.meta.url)), engineOrigin });

  const stateFile = join(paths.state, 'window.json');
  const placed = placeWindow(await loadWindowState(stateFile), screen.getAllDisplays().map((d) => d.workArea));
  window = createMainWindow({
    preloadPath: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
    startUrl: devServerUrl ?? `${APP_ORIGIN}/`,
    bounds: placed.bounds,
    maximized: placed.maximized,
    show: !process.argv.includes(HIDDEN_FLAG),
  });
  rememberBounds(window, stateFile);
  window.on('close', (event) => {
    if (quitting || !closeToTray) return;
    event.preventDefault();
    window?.hide();
  });
  window.on('closed', () => {
    window = null;
  });

  startTray(engine, transport);
}

function showWindow(): void {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** Save size and position a moment after the user stops moving or resizing, and on close. */
function rememberBounds(win: BrowserWindow, file: string): void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    if (win.isDestroyed()) return;
    const state = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    void saveWindowState(file, state).catch(() => undefined);
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('close', save);
}

async function applyLoginItem(enabled: boolean): Promise<void> {
  if (process.platform === 'linux') {
    // An AppImage must be started through its own file, not the mounted copy.
    const exec = process.env.APPIMAGE ?? process.execPath;
    await setXdgAutostart(enabled, { exec, args: app.isPackaged ? [] : [app.getAppPath()] });
    return;
  }
  app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
}

function startTray(running: Engine, transport: Transport): void {
  tray = new Tray(nativeImage.createFromBuffer(Buffer.from(TRAY_ICON_PNG_BASE64, 'base64')));
  tray.on('click', () => showWindow());
  const act = (action: TrayAction) => {
    switch (action.kind) {
      case 'open':
        return showWindow();
      case 'copy-endpoint':
        return clipboard.writeText(running.baseUrl);
      case 'load':
        return void transport.call('loadModel', { id: action.model }).then(refresh);
      case 'unload':
        return void transport.call('unloadModel', { id: action.model }).then(refresh);
      case 'quit':
        return app.quit();
    }
  };
  const toMenu = (items: readonly TrayItem[]): MenuItemConstructorOptions[] =>
    items.map((item) => ({
      ...(item.label !== undefined ? { label: item.label } : {}),
      ...(item.type !== undefined ? { type: item.type } : {}),
      ...(item.enabled !== undefined ? { enabled: item.enabled } : {}),
      ...(item.submenu ? { submenu: toMenu(item.submenu) } : {}),
      ...(item.action ? { click: () => act(item.action!) } : {}),
    }));
  async function refresh(): Promise<void> {
    if (!tray || tray.isDestroyed()) return;
    const [status, models] = await Promise.all([running.status().catch(() => null), transport.call('models')]);
    const view = trayView({ endpoint: running.baseUrl, status, models: models.ok ? (models.data.data as readonly ModelView[]) : [] });
    if (!tray || tray.isDestroyed()) return;
    tray.setToolTip(view.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(toMenu(view.items)));
  }
  void refresh();
  const timer = setInterval(() => void refresh(), TRAY_REFRESH_MS);
  app.once('before-quit', () => clearInterval(timer));
}

/** safeStorage as the secret cipher; without OS encryption the engine keeps its 0600 file and says so. */
function secretCipherOption(): { secretCipher?: SecretCipher } {
  try {
    return { secretCipher: createSafeStorageCipher(safeStorage) };
  } catch (error) {
    console.warn(`[homeport] ${(error as Error).message}`);
    return {};
  }
}

