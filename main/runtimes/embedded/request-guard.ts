/**
 * What a request to the embedded worker must carry before any route sees it.
 * The worker listens on a loopback port that any local process, and any web
 * page through the user's browser, can reach; the gateway is the only client
 * meant to talk to it. So every request, /health included, must:
 *
 * - name the worker exactly in `Host` (`127.0.0.1:PORT` or `localhost:PORT`),
 *   which defeats DNS rebinding (the browser would send the attacker's name);
 * - carry no `Origin` (browsers add one to cross-origin requests; the gateway
 *   never does);
 * - carry the per-launch key as `Authorization: Bearer KEY` (compared in
 *   constant time);
 * - for POST, declare `Content-Type: application/json` (a blind `text/plain`
 *   form post from a page cannot).
 *
 * The key reaches the worker by environment (WORKER_KEY_ENV), never argv, so
 * it does not show in `ps`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './api-errors.js';

/** The environment variable that carries the worker's per-launch key. */
export const WORKER_KEY_ENV = 'HOMEPORT_WORKER_KEY';

/** A fresh per-launch key: 32 random bytes, hex. */
export function newWorkerKey(random: (size: number) => Buffer = randomBytes): string {
  return random(32).toString('hex');
}

export interface GuardedRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
}

export interface RequestGuardOptions {
  /** The port the worker is bound to. */
  readonly port: number;
  readonly key: string;
}

/** Compares two secrets in time that depends on neither's content (both are hashed to equal length first). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearerToken(headers: IncomingHttpHeaders): string | null {
  const value = headers.authorization;
  if (typeof value !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1] ?? null;
}

function refused(status: number, code: string, message: string, type: ApiError['type'] = 'invalid_request_error'): ApiError {
  return new ApiError({ status, type, code, message });
}

/** Null when the request may proceed; otherwise the error to answer with. */
export function checkWorkerRequest(request: GuardedRequest, options: RequestGuardOptions): ApiError | null {
  const host = request.headers.host?.toLowerCase();
  const allowed = [`127.0.0.1:${options.port}`, `localhost:${options.port}`];
  if (host === undefined || !allowed.includes(host)) {
    return refused(403, 'host_not_allowed', `This runtime only answers requests addressed to ${allowed.join(' or ')}.`, 'permission_error');
  }
  if (request.headers.origin !== undefined) {
    return refused(403, 'origin_not_allowed', 'This runtime does not answer browser requests; use the Homeport gateway.', 'permission_error');
  }
  const token = bearerToken(request.headers);
  if (token === null || !secretsEqual(token, options.key)) {
    return new ApiError({
      status: 401,
      type: 'authentication_error',
      code: 'invalid_api_key',
      message: 'This runtime needs its per-launch key; send requests through the Homeport gateway.',
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
  if (request.method === 'POST') {
    const type = request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return refused(415, 'unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.');
    }
  }
  return null;
}
