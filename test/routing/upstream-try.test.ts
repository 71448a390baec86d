/**
 * One try of one upstream (routing/upstream.ts) over real HTTP: what the
 * router gets back for a stream, a whole answer, a refused connection, a
 * silent server and a client that leaves — and that a stream's rest reaches
 * its reader even when the connection broke before the reader attached.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientGone } from '../../main/routing/client-gone.js';
import { tryUpstream, type TryResult } from '../../main/routing/upstream.js';
import { addressOf, createUpstreamDispatcher } from '../../main/gateway/upstream-call.js';

const dispatcher = createUpstreamDispatcher();
let server: http.Server;
let base: string;
/** Requests the server saw close before it answered them completely. */
let closedEarly = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.on('close', () => {
        if (!res.writableFinished) closedEarly++;
      });
      if (req.url === '/v1/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
        setTimeout(() => res.write('data: {"choices":[{"delta":{"content":"b"}}]}\n\n'), 20);
        setTimeout(() => res.end('data: [DONE]\n\n'), 40);
      } else if (req.url === '/v1/stream-then-die') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
        setTimeout(() => res.socket?.destroy(), 20);
      } else if (req.url === '/v1/whole') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
        res.end('{"error":{"message":"slow down"}}');
      } else if (req.url === '/v1/silent') {
        // Never answers.
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await dispatcher.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A ClientGone over a response that stays open until `leave()` closes it. */
function client(): { gone: ClientGone; leave: () => void } {
  const res = new http.ServerResponse(new http.IncomingMessage(null as never));
  return { gone: new ClientGone(res), leave: () => res.emit('close') };
}

function attempt(path: string, gone: ClientGone, baseUrl = base, firstByteTimeoutMs = 2000): Promise<TryResult> {
  return tryUpstream({ address: addressOf(baseUrl, {}), dispatcher, path, body: Buffer.from('{}'), stream: true, firstByteTimeoutMs, clientGone: gone });
}

function collect(result: TryResult): Promise<{ text: string; how: 'end' | 'broke' }> {
  if (result.kind !== 'stream') throw new Error(`expected a stream, got ${result.kind}`);
  return new Promise((resolve) => {
    let text = result.first.toString();
    result.body.attach({
      data: (chunk) => (text += chunk.toString()),
      end: () => resolve({ text, how: 'end' }),
      broke: () => resolve({ text, how: 'broke' }),
    });
  });
}

describe('tryUpstream', () => {
  it('hands over a stream at its first chunk and delivers the rest to the reader that attaches later', async () => {
    const result = await attempt('/stream', client().gone);
    expect(result.kind).toBe('stream');
    if (result.kind !== 'stream') return;
    expect(result.status).toBe(200);
    expect(result.first.toString()).toContain('"a"');
    await new Promise((resolve) => setTimeout(resolve, 60)); // the rest is held (paused) until a reader attaches
    const { text, how } = await collect(result);
    expect(how).toBe('end');
    expect(text).toContain('"b"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('tells a reader that attaches after the connection broke that it broke', async () => {
    const result = await attempt('/stream-then-die', client().gone);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const { text, how } = await collect(result);
    expect(how).toBe('broke');
    expect(text).toContain('"a"');
  });

  it('reads an error status whole, with its headers', async () => {
    const result = await attempt('/whole', client().gone);
    expect(result.kind).toBe('whole');
    if (result.kind !== 'whole') return;
    expect(result.status).toBe(429);
    expect(result.headers['retry-after']).toBe('3');
    expect(JSON.parse(result.body.toString())).toEqual({ error: { message: 'slow down' } });
  });

  it('names a refused connection by its code', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await attempt('/x', client().gone, `http://127.0.0.1:${port}/v1`);
    expect(result).toMatchObject({ kind: 'error', reason: 'ECONNREFUSED', timeout: false });
  });

  it('gives up on a silent server after the first-byte timeout and closes the request', async () => {
    const before = closedEarly;
    const result = await attempt('/silent', client().gone, base, 150);
    expect(result).toMatchObject({ kind: 'error', timeout: true, reason: 'no answer within 150 ms' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closedEarly).toBe(before + 1);
  });

  it('stops waiting and closes the upstream request when the client leaves', async () => {
    const before = closedEarly;
    const { gone, leave } = client();
    const pending = attempt('/silent', gone);
    await new Promise((resolve) => setTimeout(resolve, 50));
    leave();
    expect((await pending).kind).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closedEarly).toBe(before + 1);
  });
});
