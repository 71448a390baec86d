/**
 * The built panel (dist/renderer, made by `vite build`) served by the headless
 * engine at http://127.0.0.1:PORT/, behind the gateway's Host/Origin guard.
 *
 * - `/?token=…` (the link `homeport serve` prints): a right token becomes an
 *   HttpOnly SameSite=Strict cookie, and the browser is redirected to the same
 *   address without the token, so it stays out of history and bookmarks. A
 *   wrong token is dropped from the address the same way, without a cookie.
 * - The page itself loads without the token; its API calls get a 401 whose
 *   message says how to get in, and the panel shows it.
 * - Pages get a strict CSP: scripts from this origin only, no inline script,
 *   `connect-src 'self'`, no framing, no referrer.
 * - When the panel has not been built, `/` says how to build it (503).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { controlCookie, tokensMatch } from './control-token.js';

export interface PanelOptions {
  /** Folder with index.html and assets/ (default: dist/renderer, see defaultPanelDir). */
  readonly dir: string | null;
  readonly token: string;
  readonly port: number;
}

/**
 * Strict CSP for the panel's pages: scripts only from the page's own origin
 * (no inline script, no eval), network only to `connectSrc` (the engine).
 * Mantine writes its theme into <style> elements, hence style-src
 * 'unsafe-inline' (styles only). The desktop window uses the same policy
 * with the engine's origin as connectSrc.
 */
export function panelCsp(connectSrc: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${connectSrc}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const PANEL_CSP = panelCsp("'self'");

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * dist/renderer next to the running code: from dist/main/control/ it is
 * ../../renderer; from the sources (tests, tsx) it is ../../dist/renderer.
 * Null when neither holds a built index.html.
 */
export function defaultPanelDir(moduleUrl: string = import.meta.url): string | null {
  const here = fileURLToPath(new URL('.', moduleUrl));
  const candidates = [join(here, '..', '..', 'dist', 'renderer')];
  if (here.split(sep).includes('dist')) candidates.unshift(join(here, '..', '..', 'renderer'));
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

export function createPanelHandler(options: PanelOptions): RequestHandler {
  const root = options.dir === null ? null : normalize(options.dir);

  return async function servePanel(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/v1') || req.path.startsWith('/homeport')) return next();

    const url = new URL(req.originalUrl, 'http://panel.invalid');
    if (url.searchParams.has('token')) {
      const presented = url.searchParams.get('token');
      if (tokensMatch(presented, options.token)) res.setHeader('Set-Cookie', controlCookie(options.port, options.token));
      url.searchParams.delete('token');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, `${url.pathname}${url.search}`);
      return;
    }

    if (root === null) {
      sendPage(res, 503, '<h1>The Homeport panel is not built</h1><p>Run <code>npm run build:renderer</code> (or <code>npm run build</code>) and reload. The API under /v1 and /homeport/v1 works without it.</p>');
      return;
    }

    // A file of the build, or the app's index.html for the panel's own routes.
    const wanted = req.path === '/' ? '/index.html' : decodeURIComponentSafe(req.path);
    if (wanted === null) return next();
    const file = insideRoot(root, wanted);
    if (file === null) return next();
    const body = await readFile(file).catch(() => null);
    if (body !== null) {
      sendFile(res, file, body, req.method === 'HEAD');
      return;
    }
    if (extname(wanted) !== '' || !acceptsHtml(req)) return next();
    const index = await readFile(join(root, 'index.html')).catch(() => null);
    if (index === null) return next();
    sendFile(res, join(root, 'index.html'), index, req.method === 'HEAD');
  };
}

function sendFile(res: Response, file: string, body: Buffer, headOnly: boolean): void {
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.status(200);
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Vite names built assets by content hash: they never change. The page itself is always fetched again.
  res.setHeader('Cache-Control', file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (type.startsWith('text/html')) {
    res.setHeader('Content-Security-Policy', PANEL_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
  }
  res.end(headOnly ? undefined : body);
}

function sendPage(res: Response, status: number, html: string): void {
  const body = `<!doctype html><meta charset="utf-8"><title>Homeport</title>${html}`;
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', PANEL_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

function insideRoot(root: string, urlPath: string): string | null {
  if (urlPath.includes('\0')) return null;
  const file = normalize(join(root, urlPath));
  return file === root || file.startsWith(`${root}${sep}`) ? file : null;
}

function decodeURIComponentSafe(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function acceptsHtml(req: Request): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}
