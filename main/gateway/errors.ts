import type { ServerResponse } from 'node:http';

/** The `type` values Homeport puts in OpenAI-shaped errors. */
export type OpenAIErrorType = 'invalid_request_error' | 'server_error';

/** The error type for a status when nothing more specific is known (as OpenAI: 4xx invalid request, 5xx server). */
export function defaultErrorType(status: number): OpenAIErrorType {
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** The exact body clients see: `{"error":{"message","type","param","code"}}`. */
export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: OpenAIErrorType;
    readonly param: string | null;
    readonly code: string | null;
  };
}

export interface GatewayErrorInit {
  readonly status: number;
  readonly message: string;
  readonly type?: OpenAIErrorType;
  readonly param?: string | null;
  readonly code?: string | null;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Answer with `Connection: close` (used when the request body was left unread). */
  readonly closeConnection?: boolean;
}

/**
 * An error the gateway answers on purpose. Thrown from handlers (express 5
 * forwards async rejections to the error middleware) and turned into an
 * OpenAI-shaped response there.
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly closeConnection: boolean;

  constructor(init: GatewayErrorInit) {
    super(init.message);
    this.status = init.status;
    this.type = init.type ?? defaultErrorType(init.status);
    this.param = init.param ?? null;
    this.code = init.code ?? null;
    this.headers = init.headers ?? {};
    this.closeConnection = init.closeConnection ?? false;
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 about one field of the request body. */
export function invalidField(param: string, message: string): GatewayError {
  return new GatewayError({ status: 400, message, param, code: 'invalid_value' });
}

/**
 * Writes an OpenAI-shaped error. Keeps headers already set on the response
 * (e.g. `x-homeport-route`). If the response has started, the best we can do is end it.
 */
export function sendError(res: ServerResponse, err: GatewayError): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const payload = JSON.stringify(err.toBody());
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  if (err.closeConnection) res.setHeader('Connection', 'close');
  res.statusCode = err.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}
