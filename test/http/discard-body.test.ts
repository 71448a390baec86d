/**
 * discardBody against a real node:http server and real sockets: a refused
 * upload is answered and read to its end (the client sees the status, the
 * connection stays usable), and a client that sends too much or stalls is cut off.
 */
import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discardBody } from '../../main/http/discard-body.js';

const LIMITS = { maxBytes: 1024 * 1024, maxMs: 400 };
let server: http.Server;
let origin: string;
let port: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/refuse') {
      // As the gateway does: a body not worth reading gets Connection: close instead.
      const connection = discardBody(req, LIMITS) ? {} : { connection: 'close' };
      res.writeHead(413, { 'content-type': 'application/json', ...connection }).end('{"error":"too large"}');
      return;
    }
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => res.end(JSON.stringify({ size })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Opens a raw socket, sends a request head declaring `declared` bytes (or a
 * chunked body when 'chunked'), then `bodyBytes` of body; resolves with what
 * came back and how the socket ended.
 */
function rawUpload(declared: number | 'chunked', bodyBytes: number): Promise<{ response: string; closedAfterMs: number; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = performance.now();
    let response = '';
    let error: string | undefined;
    socket.on('data', (d: Buffer) => (response += d.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
    socket.on('close', () => resolve({ response, closedAfterMs: performance.now() - started, error }));
    const length = declared === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${declared}`;
    socket.write(`POST /refuse HTTP/1.1\r\nHost: x\r\n${length}\r\n\r\n`);
    let sent = 0;
    const pump = (): void => {
      if (socket.destroyed || sent >= bodyBytes) return;
      const piece = Buffer.alloc(Math.min(64 * 1024, bodyBytes - sent), 0x61);
      sent += piece.length;
      const framed = declared === 'chunked' ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
      socket.write(framed, () => setImmediate(pump));
    };
    pump();
  });
}

describe('discardBody', () => {
  it('lets a client that uploads its whole refused body read the answer, and reuse the connection', async () => {
    const pool = new Pool(origin, { connections: 1 });
    try {
      const refused = await pool.request({ method: 'POST', path: '/refuse', body: Buffer.alloc(512 * 1024, 0x61) });
      expect(refused.statusCode).toBe(413);
      expect(await refused.body.text()).toBe('{"error":"too large"}');
      const next = await pool.request({ method: 'POST', path: '/count', body: 'abc' });
      expect(next.statusCode).toBe(200);
      expect(await next.body.json()).toEqual({ size: 3 });
    } finally {
      await pool.close();
    }
  });

  it('gives fetch the status of a refused upload instead of a connection error', async () => {
    const res = await fetch(`${origin}/refuse`, { method: 'POST', body: Buffer.alloc(900 * 1024, 0x61) });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe('{"error":"too large"}');
  });

  it('cuts off a client that keeps sending past the byte limit', async () => {
    // Chunked: no declared length, so only the byte count while discarding can stop it.
    const result = await rawUpload('chunked', 8 * 1024 * 1024);
    expect(result.response).toMatch(/^HTTP\/1\.1 413 /);
    // Closed well before the 8 MiB went out: the socket died once the 1 MiB limit was passed.
    expect(result.closedAfterMs).toBeLessThan(LIMITS.maxMs);
  });

  it('cuts off a client that stalls mid-body after the time limit', async () => {
    const result = await rawUpload(1000, 10);
    expect(result.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.maxMs - 20);
    expect(result.closedAfterMs).toBeLessThan(LIMITS.maxMs + 2000);
  });

  it('declines to read a declared body past the byte limit at all', () => {
    const declared = (bytes: number) => ({ headers: { 'content-length': String(bytes) }, complete: true }) as unknown as IncomingMessage;
    expect(discardBody(declared(LIMITS.maxBytes), LIMITS)).toBe(true);
    expect(discardBody(declared(LIMITS.maxBytes + 1), LIMITS)).toBe(false);
  });
});
