import net from 'node:net';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatStreamChunks, defaultResponder } from '../fixtures/fake-upstream.js';
import { useGatewayOverUpstream } from './harness.js';

/**
 * Probes a hostile client would try, sent as raw bytes on a socket so that no
 * HTTP client normalises them first (fetch turns `/v1/../api/pull` into
 * `/api/pull` before sending). Each test checks what the runtime behind the
 * gateway (a recording upstream double) received: only the OpenAI inference
 * path, never a management path such as Ollama's `/api/pull`.
 */

const env = useGatewayOverUpstream({ bodyLimitBytes: 64 * 1024, readyDeadlineMs: 500 });

const CHAT = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

interface RawAnswer {
  /** Status of each response on the connection, in order. */
  readonly statuses: number[];
  readonly raw: string;
}

/** Write `bytes` on a fresh connection and read until the server closes it or `settleMs` pass in silence. */
function rawExchange(bytes: string | Buffer, settleMs = 300): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(env.gateway.port, '127.0.0.1');
    let raw = '';
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, raw });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(done, settleMs);
    };
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      arm();
    });
    socket.on('end', done);
    socket.on('error', (err) => (raw ? done() : reject(err)));
    socket.on('connect', () => {
      socket.write(bytes);
      arm();
    });
  });
}

function post(path: string, body = CHAT, extraHeaders = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${env.gateway.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`;
}

/** Paths the upstream received since `from`. */
function receivedSince(from: number): string[] {
  return env.upstream.requests.slice(from).map((r) => r.url);
}

describe('path tricks on the raw request line', () => {
  it.each([
    '/v1/../api/pull',
    '/v1/./../api/pull',
    '/v1/%2e%2e/api/pull',
    '/v1/%2E%2E/api/pull',
    '/v1/chat/completions/../../../api/pull',
    '/v1/chat/completions%2f..%2f..%2fapi%2fpull',
    '/api/pull',
    '/api/delete',
    '/slots',
    '/props',
    '/v1/../slots',
    `http://127.0.0.1:PORT/api/pull`,
    '/homeport/../api/pull',
  ])('POST %s is refused and nothing reaches the runtime', async (template) => {
    const path = template.replace('PORT', String(env.gateway.port));
    const before = env.upstream.requests.length;
    const answer = await rawExchange(post(path));
    expect(answer.statuses).toHaveLength(1);
    expect(answer.statuses[0]).toBeGreaterThanOrEqual(400);
    expect(answer.statuses[0]).toBeLessThan(500);
    expect(receivedSince(before)).toEqual([]);
  });

  it.each(['//v1/chat/completions', '/V1/chat/completions', '/v1/CHAT/completions', '/v1/chat/completions/', '/v1/chat/completions?x=/api/pull'])(
    'POST %s: whatever the answer, the runtime sees at most the one inference path, never anything else',
    async (path) => {
      const before = env.upstream.requests.length;
      const answer = await rawExchange(post(path));
      expect(answer.statuses).toHaveLength(1);
      const received = receivedSince(before);
      if (answer.statuses[0] === 200) expect(received).toEqual(['/v1/chat/completions']);
      else expect(received).toEqual([]);
    },
  );

  it('a GET of a management path is refused and not forwarded', async () => {
    const before = env.upstream.requests.length;
    const answer = await rawExchange(`GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1:${env.gateway.port}\r\nConnection: close\r\n\r\n`);
    expect(answer.statuses).toEqual([404]);
    expect(receivedSince(before)).toEqual([]);
  });
});

describe('request smuggling', () => {
  it('Content-Length together with Transfer-Encoding is refused (400) and nothing smuggled behind it reaches the runtime', async () => {
    const before = env.upstream.requests.length;
    const smuggled = post('/api/pull', '{"model":"x"}');
    const body = `0\r\n\r\n${smuggled}`;
    const bytes =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${env.gateway.port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
    const answer = await rawExchange(bytes);
    expect(answer.statuses[0]).toBe(400);
    expect(answer.statuses.slice(1).every((s) => s >= 400)).toBe(true);
    expect(receivedSince(before)).toEqual([]);
  });

  it('two Content-Length headers that disagree are refused', async () => {
    const before = env.upstream.requests.length;
    const bytes = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${env.gateway.port}\r\nContent-Type: application/json\r\nContent-Length: ${CHAT.length}\r\nContent-Length: 5\r\n\r\n${CHAT}`;
    const answer = await rawExchange(bytes);
    expect(answer.statuses[0]).toBe(400);
    expect(receivedSince(before)).toEqual([]);
  });

  it('an obfuscated Transfer-Encoding ("chunked, identity") is not taken as a length to smuggle past', async () => {
    const before = env.upstream.requests.length;
    const smuggled = post('/api/pull', '{"model":"x"}');
    const body = `0\r\n\r\n${smuggled}`;
    const bytes =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${env.gateway.port}\r\nContent-Type: application/json\r\n` +
      `Transfer-Encoding: chunked, identity\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const answer = await rawExchange(bytes);
    expect(answer.statuses[0]).toBe(400);
    expect(receivedSince(before)).toEqual([]);
  });
});

describe('header flood', () => {
  it('headers over the limit get 431 and the gateway keeps serving', async () => {
    const before = env.upstream.requests.length;
    const flood = Array.from({ length: 2000 }, (_, i) => `X-Flood-${i}: ${'a'.repeat(40)}\r\n`).join('');
    const answer = await rawExchange(post('/v1/chat/completions', CHAT, flood));
    expect(answer.statuses).toEqual([431]);
    expect(receivedSince(before)).toEqual([]);
    const ok = await rawExchange(post('/v1/chat/completions'));
    expect(ok.statuses).toEqual([200]);
  });
});

describe('hop-by-hop and upgrade headers', () => {
  it('are not forwarded to the runtime, nor are client headers the runtime has no use for', async () => {
    const before = env.upstream.requests.length;
    const headers =
      'Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: websocket\r\nProxy-Authorization: Basic c2VjcmV0\r\n' +
      'Proxy-Connection: keep-alive\r\nX-Forwarded-For: 10.0.0.1\r\nX-Custom: hello\r\nCookie: session=abc\r\n';
    const answer = await rawExchange(post('/v1/chat/completions', CHAT, headers));
    expect(answer.statuses).toEqual([200]);
    const [received] = env.upstream.requests.slice(before);
    expect(received?.url).toBe('/v1/chat/completions');
    const names = Object.keys(received!.headers);
    for (const name of ['keep-alive', 'te', 'upgrade', 'proxy-authorization', 'proxy-connection', 'x-forwarded-for', 'x-custom', 'cookie', 'transfer-encoding']) {
      expect(names, name).not.toContain(name);
    }
  });

  it('a WebSocket upgrade request is not switched or forwarded', async () => {
    const before = env.upstream.requests.length;
    const bytes =
      `GET /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${env.gateway.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const answer = await rawExchange(bytes);
    expect(answer.statuses).not.toContain(101);
    expect(receivedSince(before)).toEqual([]);
  });
});

/** Open file descriptors of this process (Linux /proc). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('many streams with client aborts', () => {
  it('100 streams, 34 aborted mid-stream: the rest complete, and no sockets are left open afterwards', async () => {
    env.upstream.respondWith(() => ({ kind: 'stream', chunks: chatStreamChunks(Array.from({ length: 10 }, (_, i) => `w${i} `), 'm'), delayMs: 2 }));
    try {
      // Warm up once so lazily opened handles do not count as growth.
      await streamOnce(false);
      const fdsBefore = openFds();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => streamOnce(i % 3 === 0)));
      const completed = results.filter((r) => r === 'done').length;
      const aborted = results.filter((r) => r === 'aborted').length;
      expect(aborted).toBe(34);
      expect(completed).toBe(66);
      // Sockets close asynchronously; wait (bounded) until the count is back where it was.
      const deadline = Date.now() + 10_000;
      while (openFds() > fdsBefore + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(openFds()).toBeLessThanOrEqual(fdsBefore + 2);
      // Every aborted stream's upstream request was closed too.
      const hungUp = env.upstream.requests.slice(-100).filter((r) => r.closedEarlyAt !== undefined).length;
      expect(hungUp).toBeGreaterThanOrEqual(30);
    } finally {
      env.upstream.respondWith(defaultResponder);
    }
  });
});

/** One streamed chat on its own connection; with `abort`, the client goes away after the first chunk. */
function streamOnce(abort: boolean): Promise<'done' | 'aborted'> {
  const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((resolve, reject) => {
    const socket = net.connect(env.gateway.port, '127.0.0.1');
    let raw = '';
    socket.on('connect', () => socket.write(post('/v1/chat/completions', body)));
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
      if (abort && raw.includes('data: ')) {
        socket.destroy();
        resolve('aborted');
      }
    });
    socket.on('end', () => resolve(raw.includes('data: [DONE]') ? 'done' : 'aborted'));
    socket.on('error', reject);
  });
}
