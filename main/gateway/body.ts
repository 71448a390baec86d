import type { IncomingMessage } from 'node:http';
import { GatewayError } from './errors.js';

export interface JsonBody {
  /** The bytes exactly as the client sent them (forwarded untouched when possible). */
  readonly raw: Buffer;
  /** The parsed top-level object. */
  readonly json: Record<string, unknown>;
}

export interface ReadJsonBodyOptions {
  readonly limitBytes: number;
}

/** `application/json`, optionally with parameters, or any `application/*+json`. */
function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError({
    status: 413,
    code: 'request_too_large',
    message: `The request body is larger than Homeport's limit of ${limitBytes} bytes.`,
    closeConnection: true,
  });
}

/**
 * Checks the request's headers, then reads its body into one Buffer and
 * parses it once. Refuses, before reading anything, a non-JSON
 * `Content-Type` (415) and a `Content-Length` over the limit (413, and the
 * connection is closed so the unread body is never consumed). A chunked body
 * is counted while it arrives and cut off at the limit.
 */
export async function readJsonBody(req: IncomingMessage, options: ReadJsonBodyOptions): Promise<JsonBody> {
  const contentType = req.headers['content-type'];
  if (!isJsonContentType(contentType)) {
    throw new GatewayError({
      status: 415,
      code: 'unsupported_media_type',
      message: `Content-Type ${JSON.stringify(contentType ?? '')} is not supported. Send the body as JSON with "Content-Type: application/json".`,
    });
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > options.limitBytes) throw tooLarge(options.limitBytes);

  const raw = await readRaw(req, options.limitBytes);
  return { raw, json: parseJsonObject(raw) };
}

function readRaw(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;

    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    function onData(chunk: Buffer): void {
      received += chunk.length;
      if (received > limitBytes) {
        cleanup();
        // Keep draining (and discarding) whatever the client still sends until
        // the connection closes, so its socket is not reset before it reads the 413.
        req.resume();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd(): void {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    }
    function onError(err: Error): void {
      cleanup();
      reject(err);
    }
    function onClose(): void {
      // 'close' without 'end': the client went away mid-body.
      cleanup();
      reject(new GatewayError({ status: 400, code: 'incomplete_body', message: 'The request body was cut off before it ended.' }));
    }

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) {
    throw new GatewayError({ status: 400, code: 'invalid_json', message: 'The request body is empty; send a JSON object.' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new GatewayError({
      status: 400,
      code: 'invalid_json',
      message: `The request body is malformed JSON: ${detail}.`,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError({ status: 400, code: 'invalid_json', message: 'The request body must be a JSON object.' });
  }
  return parsed as Record<string, unknown>;
}
