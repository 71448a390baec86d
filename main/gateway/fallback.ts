import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { GatewayError, sendError } from './errors.js';

export interface FallbackOptions {
  /** Where unexpected errors are reported (never with request bodies or secrets). */
  readonly logError?: (message: string, err: unknown) => void;
}

/** 405 for a known path called with the wrong method (e.g. GET /v1/chat/completions). */
export function methodNotAllowed(allowed: string): RequestHandler {
  return function wrongMethod(req: Request, res: Response): void {
    sendError(
      res,
      new GatewayError({
        status: 405,
        code: 'method_not_allowed',
        headers: { Allow: allowed },
        message: `${req.method} ${req.path} is not supported; use ${allowed}.`,
      }),
    );
  };
}

/** OpenAI-shaped 404 for any path nothing else answered. */
export const notFound: RequestHandler = function notFound(req: Request, res: Response): void {
  sendError(
    res,
    new GatewayError({
      status: 404,
      code: 'unknown_url',
      message: `Unknown request URL: ${req.method} ${req.path}. Homeport serves the OpenAI API under /v1 (chat/completions, completions, embeddings, models, responses), Anthropic's Messages API at /v1/messages, and /metrics.`,
    }),
  );
};

/** Errors from express itself or from middleware such as express.json() carry an HTTP status. */
interface HttpLikeError {
  readonly status?: unknown;
  readonly statusCode?: unknown;
  readonly expose?: unknown;
  readonly message?: unknown;
  readonly type?: unknown;
}

function toGatewayError(err: unknown): GatewayError | undefined {
  if (err instanceof GatewayError) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const httpErr = err as HttpLikeError;
  const status = typeof httpErr.status === 'number' ? httpErr.status : httpErr.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const message =
    httpErr.expose === true && typeof httpErr.message === 'string' ? httpErr.message : 'The request could not be processed.';
  const code = typeof httpErr.type === 'string' ? httpErr.type.replace(/\./g, '_') : null;
  return new GatewayError({ status, message, code });
}

/**
 * The last middleware: every error becomes `{"error":{message,type,param,code}}`
 * with the right status. Anything unexpected is a 500 and the gateway stays up.
 */
/** Express error middleware, also called directly by the fast lane. */
export type GatewayErrorHandler = (err: unknown, req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export function createErrorHandler(options: FallbackOptions): GatewayErrorHandler {
  const log = options.logError ?? ((message: string, err: unknown) => console.error(message, err));

  return function gatewayErrorHandler(err: unknown, req: IncomingMessage, res: ServerResponse, _next: (err?: unknown) => void): void {
    const known = toGatewayError(err);
    if (known !== undefined) {
      sendError(res, known);
      return;
    }
    log(`[gateway] unexpected error on ${req.method} ${req.url?.split('?')[0]}`, err);
    sendError(
      res,
      new GatewayError({
        status: 500,
        code: 'internal_error',
        message: "Homeport's gateway hit an unexpected error while handling this request. Check Homeport's logs; the gateway is still running.",
      }),
    );
  };
}
