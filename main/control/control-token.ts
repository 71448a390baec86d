/**
 * The control token: one random secret per data dir that every call to
 * /homeport/* must carry. It keeps other local users and blind cross-site
 * requests (an <img> pointing at /homeport/v1/hardware/refresh) away from the
 * control API, which can start benchmarks, scans, downloads and model loads.
 *
 * - Stored in `<data dir>/state/control-token`, mode 0600 (folder 0700 when created here),
 *   written atomically; created on first use, reused afterwards.
 * - Accepted as `Authorization: Bearer <token>` (scripts, the CLI, the desktop
 *   app's own forwarder) or as an HttpOnly SameSite=Strict cookie that the
 *   panel gets by opening `http://127.0.0.1:PORT/?token=…` once (panel-static.ts
 *   turns the query into the cookie and redirects to drop it from the address bar).
 * - Compared in constant time (crypto.timingSafeEqual over SHA-256 digests, so
 *   lengths never leak either).
 * - Never logged: the only place it is printed is the panel URL `homeport serve`
 *   shows once on start and `homeport panel-url` shows on request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dataPaths } from '../config/paths.js';
import { GatewayError, sendError } from '../gateway/errors.js';

const TOKEN_FILE = 'control-token';
/** 32 random bytes, base64url: 43 characters, safe in a URL, a cookie and a header. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function controlTokenPath(dataDir: string): string {
  return join(dataPaths(dataDir).state, TOKEN_FILE);
}

export function newControlToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Read the data dir's token; null when there is none yet (or the file is not a token). */
export async function readControlToken(dataDir: string): Promise<string | null> {
  const path = controlTokenPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw error;
  }
  const token = text.trim();
  if (!TOKEN_SHAPE.test(token)) return null;
  // A copied or restored file may have lost its mode: keep it private.
  if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return token;
}

/** The data dir's token, created (0600) on first use. */
export async function ensureControlToken(dataDir: string): Promise<string> {
  const existing = await readControlToken(dataDir);
  if (existing) return existing;
  const path = controlTokenPath(dataDir);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const token = newControlToken();
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(`${token}\n`, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  return token;
}

/** Constant-time comparison; any length, any content. */
export function tokensMatch(presented: string | undefined | null, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The cookie carrying the token; named per port so two engines on one machine do not overwrite each other's. */
export function controlCookieName(port: number): string {
  return `homeport_token_${port}`;
}

export function controlCookie(port: number, token: string): string {
  return `${controlCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The URL that opens the panel and hands it the token. */
export function panelUrl(port: number, token: string): string {
  return `http://127.0.0.1:${port}/?token=${encodeURIComponent(token)}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type ControlCredential = 'bearer' | 'cookie' | null;

/** Which credential of the request carries the right token, if any. */
export function presentedCredential(req: IncomingMessage, options: { readonly token: string; readonly port: number }): ControlCredential {
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization)) {
    return tokensMatch(authorization.replace(/^bearer\s+/i, '').trim(), options.token) ? 'bearer' : null;
  }
  // A browser never sends a SameSite=Strict cookie cross-site; refusing what says it is cross-site is a second lock.
  if (req.headers['sec-fetch-site'] === 'cross-site') return null;
  return tokensMatch(readCookie(req.headers.cookie, controlCookieName(options.port)), options.token) ? 'cookie' : null;
}

export interface ControlAuthOptions {
  readonly token: string;
  readonly port: number;
}

/**
 * Refuses every request without the control token with a 401 whose message
 * says how to get in. Mounted on /homeport by the gateway.
 */
export function createControlAuth(options: ControlAuthOptions) {
  return function controlAuth(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    if (presentedCredential(req, options) !== null) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="homeport"');
    sendError(
      res,
      new GatewayError({
        status: 401,
        code: 'unauthorized',
        message:
          'The Homeport control API needs its control token. Open the link `homeport serve` printed, or run `homeport panel-url` to get it again; scripts send it as `Authorization: Bearer <token>` (the token is in <data dir>/state/control-token).',
      }),
    );
  };
}
