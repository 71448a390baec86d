import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, sendError } from './errors.js';

/** A middleware usable both by express and by the gateway's fast lane. */
export type Guard = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface HostOriginGuardOptions {
  /** The port the gateway listens on. */
  readonly port: number;
  /** More `host:port` names to accept (this machine's network names when the API is exposed to the LAN). */
  readonly extraHosts?: readonly string[];
}

/** The loopback names a browser or SDK may use to reach the gateway. */
function loopbackHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/**
 * Guards every request before any body is read:
 *
 * - DNS rebinding: the `Host` header must name the gateway on a loopback
 *   address and its own port. A page on `evil.com` that rebinds its name to
 *   127.0.0.1 still sends `Host: evil.com:PORT`, so it is refused.
 * - Cross-origin pages: a request carrying an `Origin` that is not the
 *   gateway itself (including the literal `null` of sandboxed frames and
 *   file:// pages) is refused. Requests without `Origin` (SDKs, curl) pass.
 * - CORS: allowed origins get their own origin echoed back, never `*`, and
 *   preflights (OPTIONS) are answered here.
 */
export function createHostOriginGuard(options: HostOriginGuardOptions): Guard {
  const allowedHosts = new Set([...loopbackHosts(options.port), ...(options.extraHosts ?? []).map((host) => host.toLowerCase())]);
  const allowedOrigins = new Set(loopbackHosts(options.port).map((host) => `http://${host}`));

  return function hostOriginGuard(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const host = req.headers.host;
    if (host === undefined || !allowedHosts.has(host.toLowerCase())) {
      sendError(
        res,
        new GatewayError({
          status: 403,
          code: 'host_not_allowed',
          message: `Host ${JSON.stringify(host ?? '')} is not allowed. Homeport only answers requests addressed to ${[...allowedHosts].join(', ')}.`,
        }),
      );
      return;
    }

    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!allowedOrigins.has(origin.toLowerCase())) {
        sendError(
          res,
          new GatewayError({
            status: 403,
            code: 'origin_not_allowed',
            message: `Origin ${JSON.stringify(origin)} is not allowed. Only pages served by Homeport itself may call it from a browser; apps and SDKs should not send an Origin header.`,
          }),
        );
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }

    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, origin !== undefined);
      return;
    }
    next();
  };
}

function answerPreflight(req: IncomingMessage, res: ServerResponse, fromAllowedOrigin: boolean): void {
  if (fromAllowedOrigin) {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    const requested = req.headers['access-control-request-headers'];
    res.setHeader('Access-Control-Allow-Headers', requested ?? 'authorization, content-type');
    res.setHeader('Access-Control-Max-Age', '600');
  }
  res.setHeader('Allow', 'GET, POST, OPTIONS');
  res.statusCode = 204;
  res.end();
}
