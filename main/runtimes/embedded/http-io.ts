/**
 * The small amount of HTTP plumbing the worker needs on top of node:http:
 * read a bounded JSON body, send JSON, send an OpenAI-shaped error, and
 * learn when the client has gone away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { discardBody } from '../../http/discard-body.js';
import { ApiError, invalidRequest } from './api-errors.js';

export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/** Invalid bytes are an error, never silently U+FFFD. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function tooLarge(limitBytes: number, closeConnection: boolean): ApiError {
  return new ApiError({
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    message: `The request body is larger than ${limitBytes} bytes.`,
    headers: closeConnection ? { Connection: 'close' } : {},
  });
}

/**
 * Reads a JSON body of at most `limitBytes`. A larger one is refused with 413
 * and the rest of it read and dropped (see discard-body.ts), so a client still
 * uploading reads the error rather than a reset connection.
 */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  if (Number(request.headers['content-length'] ?? 0) > limitBytes) throw tooLarge(limitBytes, !discardBody(request));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      throw tooLarge(limitBytes, !discardBody(request));
    }
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = strictUtf8.decode(Buffer.concat(chunks));
  } catch {
    throw invalidRequest('The request body is not valid UTF-8; send JSON encoded as UTF-8.', null, 'invalid_json');
  }
  if (text.trim() === '') throw invalidRequest('The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw invalidRequest(`The request body is not valid JSON (${detail}).`, null, 'invalid_json');
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  response.end(payload);
}

/** Send `error` as JSON when nothing was sent yet; otherwise just end the response. */
export function sendError(response: ServerResponse, error: ApiError): void {
  if (response.headersSent) {
    if (!response.writableEnded) response.end();
    return;
  }
  sendJson(response, error.status, error.toBody(), { ...error.headers });
}

/**
 * An AbortSignal that fires when the client disconnects before the response
 * is complete (the response closes without having finished).
 */
export function clientGoneSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new Error('the client disconnected'));
  });
  return controller.signal;
}
