import type { IncomingMessage } from 'node:http';

/**
 * How much of a refused request body a server reads and throws away so that
 * the client, still uploading, gets to read the error instead of a reset.
 */
export interface DiscardLimits {
  /** Stop and close the connection once this many more bytes arrived. */
  readonly maxBytes: number;
  /** Stop and close the connection after this long. */
  readonly maxMs: number;
}

/** Loopback moves this much in well under a second; beyond it the client is not a normal one. */
export const DEFAULT_DISCARD_LIMITS: DiscardLimits = { maxBytes: 256 * 1024 * 1024, maxMs: 10_000 };

/**
 * Reads the rest of a refused request body into nothing (no buffering), so
 * the error response, sent at once, is not lost: closing a socket with unread
 * data makes the kernel reset it, and a client still writing its body
 * (fetch, the OpenAI SDKs) then reports a connection error instead of the
 * status. Once the body has ended the connection stays usable (keep-alive);
 * past the limits the socket is destroyed.
 *
 * Returns false, reading nothing, when the declared `Content-Length` is past
 * `limits.maxBytes`: not worth reading even to deliver the error, so the
 * caller should answer with `Connection: close` instead.
 */
export function discardBody(req: IncomingMessage, limits: DiscardLimits = DEFAULT_DISCARD_LIMITS): boolean {
  if (Number(req.headers['content-length'] ?? 0) > limits.maxBytes) return false;
  if (req.complete) return true;
  let discarded = 0;
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), limits.maxMs);
  timer.unref();
  const stop = (): void => clearTimeout(timer);
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) {
      stop();
      socket.destroy();
    }
  });
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
  return true;
}
