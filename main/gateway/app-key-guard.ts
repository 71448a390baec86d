/**
 * App keys on the public API (/v1/... and /metrics).
 *
 * With no key created, loopback requests pass as before (a local app needs
 * no key) and requests from the LAN are refused: LAN access always needs a
 * key. Once any key exists, every request must carry one, as
 * `Authorization: Bearer KEY` (OpenAI SDKs) or `x-api-key: KEY` (Anthropic
 * SDKs); a missing, wrong or revoked key is a 401 in the shape of the API
 * called. The key's name is put in `x-homeport-app` (any such header sent by
 * the client is dropped first) so the request log can name the app, and its
 * model allowlist is checked once the body names a model (modelAllowed).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppKeyRecord, AppKeyStore } from '../keys/key-store.js';
import type { Guard } from './guards.js';
import { presentedCredential } from '../control/control-token.js';

export const APP_NAME_HEADER = 'x-homeport-app';

const recordOf = new WeakMap<IncomingMessage, AppKeyRecord>();

export function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}

export function presentedKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1]!.trim();
  }
  const apiKey = req.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}

function isPublicApi(url: string | undefined): boolean {
  return url !== undefined && (url === '/metrics' || url.startsWith('/metrics?') || url.startsWith('/v1/') || url === '/v1');
}

/** The name the panel's own requests (the Playground) are logged under. */
export const PANEL_CLIENT_NAME = 'Homeport panel';

export function createAppKeyGuard(options: { readonly keys: AppKeyStore; readonly control?: { readonly token: string; readonly port: number } }): Guard {
  const { keys, control } = options;
  return function appKeyGuard(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    delete req.headers[APP_NAME_HEADER];
    const fromLan = !isLoopback(req.socket.remoteAddress);
    if (!isPublicApi(req.url)) {
      // The control API and the panel never answer another machine, whatever token it has.
      if (fromLan) return refuseRemote(res);
      return next();
    }
    if (!keys.hasKeys()) {
      if (!fromLan) return next();
      return refuse(req, res, 'Homeport answers other machines only with an app key. Create one on the Homeport machine with `homeport keys create NAME` and send it as a Bearer token.');
    }
    // The panel (browser cookie, or the desktop app's bearer) on this machine uses /v1 with its control credential.
    if (!fromLan && control !== undefined && presentedCredential(req, control) !== null) {
      req.headers[APP_NAME_HEADER] = PANEL_CLIENT_NAME;
      return next();
    }
    const presented = presentedKey(req);
    if (presented === undefined) {
      return refuse(req, res, 'This Homeport requires an app key: send it as `Authorization: Bearer KEY` or `x-api-key: KEY` (create one with `homeport keys create NAME`).');
    }
    const record = keys.verify(presented);
    if (record === undefined) return refuse(req, res, 'The app key is not valid (wrong, or revoked). Create a new one with `homeport keys create NAME`.');
    recordOf.set(req, record);
    req.headers[APP_NAME_HEADER] = record.name;
    next();
  };
}

/** The app key a request came with (after the guard), if any. */
export function appKeyOf(req: IncomingMessage): AppKeyRecord | undefined {
  return recordOf.get(req);
}

/**
 * A request the gateway makes in process on behalf of `from` (the API surfaces'
 * chat request) carries the same app key decision: its model allowlist here,
 * its app name in the `x-homeport-app` header the caller copies.
 */
export function inheritAppKey(from: IncomingMessage, to: IncomingMessage): void {
  const record = recordOf.get(from);
  if (record !== undefined) recordOf.set(to, record);
}

/** Whether the request's key may use `model` (true without keys or without an allowlist). */
export function modelAllowed(req: IncomingMessage, model: string, aliasesOf: (model: string) => readonly string[] = () => []): boolean {
  const allowed = recordOf.get(req)?.models;
  if (allowed === undefined) return true;
  return allowed.includes(model) || aliasesOf(model).some((name) => allowed.includes(name));
}

function refuseRemote(res: ServerResponse): void {
  const payload = JSON.stringify({ error: { message: 'The control API and the panel answer only on the machine Homeport runs on.', type: 'invalid_request_error', param: null, code: 'loopback_only' } });
  res.statusCode = 403;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.end(payload);
}

function refuse(req: IncomingMessage, res: ServerResponse, message: string): void {
  const anthropic = (req.url ?? '').startsWith('/v1/messages');
  const body = anthropic
    ? { type: 'error', error: { type: 'authentication_error', message } }
    : { error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };
  const payload = JSON.stringify(body);
  res.statusCode = 401;
  res.setHeader('content-type', 'application/json');
  res.setHeader('www-authenticate', 'Bearer realm="homeport"');
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.end(payload);
}

/** Runs guards in order; each must call next() to go on. */
export function chainGuards(...guards: readonly Guard[]): Guard {
  return function chained(req, res, next) {
    let index = 0;
    const step = (): void => {
      const guard = guards[index++];
      if (guard === undefined) return next();
      guard(req, res, step);
    };
    step();
  };
}
