/**
 * One JSON request to a daemon's management API (never a client request:
 * those go through the gateway). Errors become readable messages that name
 * the method and path, never the headers.
 */
import type { RuntimeEndpoint } from '../../types.js';

export interface JsonRequest {
  readonly endpoint: RuntimeEndpoint;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly signal: AbortSignal;
  readonly fetch?: typeof fetch;
}

export interface JsonResponse {
  readonly status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  readonly json: unknown;
  readonly text: string;
}

export class DaemonRequestError extends Error {
  override readonly name = 'DaemonRequestError';
}

export async function requestJson(request: JsonRequest): Promise<JsonResponse> {
  const fetchImpl = request.fetch ?? fetch;
  const what = `${request.method} ${request.path}`;
  let response: Response;
  try {
    response = await fetchImpl(`${request.endpoint.baseUrl}${request.path}`, {
      method: request.method,
      headers: { ...request.endpoint.headers, ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: request.body !== undefined ? JSON.stringify(request.body) : undefined,
      signal: request.signal,
    });
  } catch (error) {
    const err = error as Error & { cause?: { code?: unknown } };
    if (request.signal.aborted) throw new DaemonRequestError(`${what} was cancelled`);
    const code = err.cause?.code;
    throw new DaemonRequestError(`${what} failed: ${code === 'ECONNREFUSED' ? 'connection refused' : typeof code === 'string' ? code : err.message}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** The error message in a daemon's answer: `{"error":"..."}` or `{"error":{"message":"..."}}`. */
export function errorIn(json: unknown): string | null {
  if (typeof json !== 'object' || json === null) return null;
  const error = (json as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return null;
}

/** "HTTP 404: model 'x' not found" (the body's error message, else its first 200 characters). */
export function describeFailure(response: JsonResponse): string {
  const message = errorIn(response.json) ?? response.text.trim().slice(0, 200);
  return message === '' ? `HTTP ${response.status}` : `HTTP ${response.status}: ${message}`;
}
