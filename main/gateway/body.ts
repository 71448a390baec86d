import type { IncomingMessage } from 'node:http';
import { DEFAULT_DISCARD_LIMITS, discardBody, type DiscardLimits } from '../http/discard-body.js';
import { GatewayError } from './errors.js';

export interface JsonBody {
  /** The bytes exactly as the client sent them (forwarded untouched when possible). */
  readonly raw: Buffer;
  /** The parsed top-level object. */
  readonly json: Record<string, unknown>;
}

/**
 * An in-process request (the API surfaces' chat request, surfaces/chat-client.ts)
 * carries its body already built under this key: the object and the bytes it
 * serializes to. readJsonBody takes it as it is (the same size limit applies)
 * instead of streaming the bytes and parsing them again.
 */
export const PREPARED_BODY: unique symbol = Symbol('homeport.preparedBody');

/** A request object that may carry a prepared body. */
export type MaybePreparedRequest = IncomingMessage & { readonly [PREPARED_BODY]?: JsonBody };

export interface ReadJsonBodyOptions {
  readonly limitBytes: number;
  /** How much of a body over the limit is read and dropped so the client sees the 413. */
  readonly discard?: DiscardLimits;
}

/** `application/json`, optionally with parameters, or any `application/*+json`. */
function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

function tooLarge(limitBytes: number, closeConnection: boolean): GatewayError {
  return new GatewayError({
    status: 413,
    code: 'request_too_large',
    message: `The request body is larger than Homeport's limit of ${limitBytes} bytes. Send a smaller request, or raise "bodyLimitBytes" in Homeport's config.`,
    closeConnection,
  });
}

/**
 * Checks the request's headers, then reads its body into one Buffer and
 * parses it once. Refuses, before buffering anything, a non-JSON
 * `Content-Type` (415) and a `Content-Length` over the limit (413, answered
 * at once). A chunked body is counted while it arrives and cut off at the
 * limit. The rest of a refused body is read and dropped, never kept, so a
 * client still uploading it reads the 413 rather than a reset connection;
 * only a declared length past the discard limit closes the connection at once.
 */
export async function readJsonBody(req: IncomingMessage, options: ReadJsonBodyOptions): Promise<JsonBody> {
  const prepared = (req as MaybePreparedRequest)[PREPARED_BODY];
  if (prepared !== undefined) {
    if (prepared.raw.length > options.limitBytes) throw tooLarge(options.limitBytes, false);
    return prepared;
  }
  const contentType = req.headers['content-type'];
  if (!isJsonContentType(contentType)) {
    throw new GatewayError({
      status: 415,
      code: 'unsupported_media_type',
      message: `Content-Type ${JSON.stringify(contentType ?? '')} is not supported. Send the body as JSON with "Content-Type: application/json".`,
    });
  }
  const discard = options.discard ?? DEFAULT_DISCARD_LIMITS;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > options.limitBytes) throw tooLarge(options.limitBytes, !discardBody(req, discard));

  const raw = await readRaw(req, options.limitBytes, discard, declared === undefined ? undefined : Number(declared));
  return { raw, json: parseJsonObject(raw) };
}

/**
 * Collects the body. With a declared length it resolves as soon as that many
 * bytes are in, without waiting for the 'end' event a tick later (the request
 * still ends normally; nothing else listens for its data).
 */
function readRaw(req: IncomingMessage, limitBytes: number, discard: DiscardLimits, declared: number | undefined): Promise<Buffer> {
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
        reject(tooLarge(limitBytes, !discardBody(req, discard)));
        return;
      }
      chunks.push(chunk);
      if (received === declared) onEnd();
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

/**
 * Strict UTF-8: bytes that do not decode are refused, never replaced by
 * U+FFFD (the raw bytes are what the runtime gets, so what the gateway
 * validated must be exactly what they say). A byte-order mark is kept, so
 * JSON.parse refuses it as before.
 */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(raw: Buffer): string {
  try {
    return strictUtf8.decode(raw);
  } catch {
    throw new GatewayError({
      status: 400,
      code: 'invalid_json',
      message: 'The request body is not valid UTF-8. JSON must be sent as UTF-8 text; check how the client encodes the body.',
    });
  }
}

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) {
    throw new GatewayError({ status: 400, code: 'invalid_json', message: 'The request body is empty; send a JSON object.' });
  }
  const text = decodeUtf8(raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
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
