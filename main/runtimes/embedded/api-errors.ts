/**
 * Errors the embedded worker sends to clients, always OpenAI-shaped:
 * `{"error":{"message","type","param","code"}}` with a matching HTTP status.
 * Route code throws an ApiError; the HTTP server turns it into a response.
 */

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error';

export interface ApiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: ApiErrorType;
    readonly param: string | null;
    readonly code: string | null;
  };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** Extra response headers, e.g. `Retry-After` or `Allow`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: {
    status: number;
    message: string;
    type: ApiErrorType;
    param?: string | null;
    code?: string | null;
    headers?: Readonly<Record<string, string>>;
  }) {
    super(options.message);
    this.status = options.status;
    this.type = options.type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError({ status: 400, message, type: 'invalid_request_error', param, code });
}

export function contextLengthExceeded(options: { param: string; promptTokens: number; contextSize: number }): ApiError {
  return new ApiError({
    status: 400,
    type: 'invalid_request_error',
    param: options.param,
    code: 'context_length_exceeded',
    message:
      `This model's context holds ${options.contextSize} tokens per request, but the prompt has ` +
      `${options.promptTokens} tokens and at least one token must be left for the reply. ` +
      'Shorten the prompt or start the runtime with a larger --ctx.',
  });
}

export function modelLoading(): ApiError {
  return new ApiError({ status: 503, message: 'Model is loading', type: 'server_error', code: 'model_loading' });
}

export function shuttingDown(): ApiError {
  return new ApiError({ status: 503, message: 'The runtime is shutting down', type: 'server_error', code: 'shutting_down' });
}

export function queueFull(queueLimit: number): ApiError {
  return new ApiError({
    status: 429,
    type: 'rate_limit_error',
    code: 'queue_full',
    message: `All generation slots are busy and the wait queue is full (${queueLimit} waiting). Retry shortly.`,
    headers: { 'Retry-After': '1' },
  });
}

export function notFound(method: string, path: string): ApiError {
  return new ApiError({
    status: 404,
    type: 'invalid_request_error',
    code: 'not_found',
    message: `Invalid URL (${method} ${path})`,
  });
}

export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): ApiError {
  return new ApiError({
    status: 405,
    type: 'invalid_request_error',
    code: 'method_not_allowed',
    message: `Method ${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`,
    headers: { Allow: allowed.join(', ') },
  });
}

export function internalError(message: string): ApiError {
  return new ApiError({ status: 500, message, type: 'server_error', code: 'internal_error' });
}

/** Any thrown value as an ApiError; unknown failures become a 500 that names what happened. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return internalError(`The embedded runtime failed: ${message}`);
}
