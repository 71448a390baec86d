import { BrowserWindow, protocol, session, shell } from 'electron';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { panelCsp } from './control/panel-static.js';

/**
 * The app window and the scheme its pages come from.
 *
 * The renderer is served on `homeport://app/` (not file://), so every page
 * response carries a strict CSP header — scripts only from the app itself, no
 * inline script, network only to the engine — and the IPC binding can trust
 * exactly that origin. The window is isolated (contextIsolation, sandbox, no
 * node), never navigates away, opens no windows of its own, grants no
 * permissions, and sends external https: links to the system browser.
 */
export const APP_SCHEME = 'homeport';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

/** Must run before the app is ready. `corsEnabled` lets Vite's `<script type="module" crossorigin>` load from the scheme. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

/** Serve the built renderer (dist/renderer) on homeport://app/ with the CSP; the app's own routes get index.html. */
export function serveRenderer(options: { readonly rendererDir: string; readonly engineOrigin: string }): void {
  const root = normalize(options.rendererDir);
  const csp = panelCsp(options.engineOrigin);
  protocol.handle(APP_SCHEME, async function serveAppFile(request) {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('Not found', { status: 404 });
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return new Response('Bad request', { status: 400 });
    }
    const wanted = path === '/' || extname(path) === '' ? '/index.html' : path;
    const file = normalize(join(root, wanted));
    if (!file.startsWith(`${root}${sep}`)) return new Response('Not found', { status: 404 });
    const body = await readFile(file).catch(() => null);
    if (body === null) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(body), {
      headers: {
        'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });
}

export interface MainWindowOptions {
  readonly preloadPath: string;
  /** `homeport://app/` (or the Vite dev server in development). */
  readonly startUrl: string;
  readonly bounds: { x?: number; y?: number; width: number; height: number };
  readonly maximized: boolean;
  /** False when started at login into the tray. */
  readonly show: boolean;
}

/** Deny every permission request (camera, notifications, …) of every page of the app's session. */
export function lockDownSession(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/** Links to https: pages open in the system browser; nothing else opens anywhere. */
export function openExternalSafely(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  if (parsed.protocol === 'https:') void shell.openExternal(parsed.toString());
}

/** The one app window: isolated, sandboxed, no node in the renderer, no remote content. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    ...options.bounds,
    minWidth: 720,
    minHeight: 480,
    title: 'Homeport',
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => {
    if (options.maximized) win.maximize();
    if (options.show) win.show();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url);
    return { action: 'deny' };
  });
  // The window never leaves the app: links are handled above, anything else is refused.
  win.webContents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openExternalSafely(url);
  });
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void win.loadURL(options.startUrl);
  return win;
}
