import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeUpstream } from '../fixtures/fake-upstream.js';
import type { FakeUpstream } from '../fixtures/fake-upstream.js';
import type { ModelDirectory } from '../../main/gateway/types.js';
import { FakeRuntime, call, directoryOf, freePort, modelEntry, startGateway } from './harness.js';
import type { CallResult, TestGateway } from './harness.js';

const LIMIT = 64 * 1024;
const DEADLINE_MS = 150;

let upstream: FakeUpstream;
let gateway: TestGateway;
let port: number;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const closedPort = await freePort();
  const entries = [
    modelEntry('ready-model', new FakeRuntime('rt-ready', { kind: 'ready', endpoint: upstream.endpoint() }), { aliases: ['ready'] }),
    modelEntry('slow-model', new FakeRuntime('rt-slow', { kind: 'never-ready', state: 'starting' })),
    modelEntry('broken-model', new FakeRuntime('rt-broken', { kind: 'failed', reason: 'llama-server exited with code 1: out of memory' })),
    modelEntry(
      'gone-model',
      new FakeRuntime('rt-gone', {
        kind: 'ready',
        endpoint: { baseUrl: `http://127.0.0.1:${closedPort}`, hostname: '127.0.0.1', port: closedPort, headers: {} },
      }),
    ),
  ];
  const base = directoryOf(entries);
  // A directory that blows up on one name, to prove a bug becomes a 500 and the gateway stays up.
  const models: ModelDirectory = {
    list: base.list,
    resolve: (name) => {
      if (name === 'explode') throw new Error('directory bug');
      return base.resolve(name);
    },
  };
  gateway = await startGateway({ models, bodyLimitBytes: LIMIT, readyDeadlineMs: DEADLINE_MS });
  port = gateway.port;
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const chat = (body: unknown, headers?: Record<string, string>) => (p: number) =>
  call(p, { path: '/v1/chat/completions', body, headers });
const hi = [{ role: 'user', content: 'hi' }];

/**
 * Sends a Content-Length of 100 MiB with only a few body bytes, on a raw
 * socket, and resolves as soon as a whole response has arrived (the server
 * keeps reading the unsent rest, so it does not close the connection).
 */
function hugeDeclaredLength(p: number): Promise<CallResult & { elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(p, '127.0.0.1');
    let raw = '';
    socket.on('connect', () => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n{"model":`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      if (split === -1) return;
      const lines = raw.slice(0, split).split('\r\n');
      const headers: http.IncomingHttpHeaders = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const text = raw.slice(split + 4);
      if (Buffer.byteLength(text) < Number(headers['content-length'])) return;
      resolve({ status: Number(lines[0]?.split(' ')[1]), headers, text, json: JSON.parse(text), elapsedMs: performance.now() - started });
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/** Uploads a whole body past the limit with fetch, as the OpenAI SDKs do; resolves with the answer. */
async function wholeBodyOverLimit(p: number): Promise<CallResult> {
  const res = await fetch(`http://127.0.0.1:${p}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'ready-model', messages: [{ role: 'user', content: 'x'.repeat(16 * 1024 * 1024) }] }),
  });
  const text = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), text, json: JSON.parse(text) };
}

/** Streams a chunked body well past the limit, stopping as soon as an answer arrives. */
function chunkedOverLimit(p: number): Promise<CallResult & { bytesSent: number }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let bytesSent = 0;
    const req = http.request(
      {
        host: '127.0.0.1',
        port: p,
        method: 'POST',
        path: '/v1/chat/completions',
        agent: false,
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text), bytesSent });
        });
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const piece = Buffer.alloc(4096, 0x20);
    req.write('{"model":"ready-model","pad":"');
    const pump = (): void => {
      if (answered || req.destroyed) return;
      if (bytesSent > LIMIT * 8) {
        req.end('"}');
        return;
      }
      bytesSent += piece.length;
      req.write(piece, () => setImmediate(pump));
    };
    pump();
  });
}

interface ErrorCase {
  readonly name: string;
  readonly send: (port: number) => Promise<CallResult>;
  readonly status: number;
  readonly param?: string | null;
  readonly code?: string;
  readonly message?: RegExp;
  readonly check?: (result: CallResult) => void;
}

const cases: ErrorCase[] = [
  {
    name: 'malformed JSON',
    send: chat('{"model": "ready-model" "messages": []}'),
    status: 400,
    code: 'invalid_json',
    message: /malformed JSON.*position \d+/,
  },
  { name: 'empty body', send: chat(''), status: 400, code: 'invalid_json', message: /empty/ },
  { name: 'JSON that is not an object', send: chat('[1,2]'), status: 400, code: 'invalid_json', message: /JSON object/ },
  { name: 'missing model', send: chat({ messages: hi }), status: 400, param: 'model', message: /`model` is missing/ },
  { name: 'model not a string', send: chat({ model: 7, messages: hi }), status: 400, param: 'model' },
  { name: 'messages missing', send: chat({ model: 'ready-model' }), status: 400, param: 'messages' },
  { name: 'messages empty', send: chat({ model: 'ready-model', messages: [] }), status: 400, param: 'messages' },
  {
    name: 'message without a role',
    send: chat({ model: 'ready-model', messages: [...hi, { content: 'no role' }] }),
    status: 400,
    param: 'messages[1].role',
  },
  {
    name: 'a role OpenAI does not have (refused before a runtime guesses what it means)',
    send: chat({ model: 'ready-model', messages: [{ role: 'wizard', content: 'hi' }] }),
    status: 400,
    param: 'messages[0].role',
    message: /`messages\[0\]\.role` is "wizard"; use one of "system", "developer", "user", "assistant", "tool", "function"/,
  },
  {
    name: 'temperature of the wrong type',
    send: chat({ model: 'ready-model', messages: hi, temperature: 'hot' }),
    status: 400,
    param: 'temperature',
    message: /`temperature` must be a number, not the string "hot"/,
  },
  { name: 'stream not a boolean', send: chat({ model: 'ready-model', messages: hi, stream: 'yes' }), status: 400, param: 'stream' },
  { name: 'max_tokens not an integer', send: chat({ model: 'ready-model', messages: hi, max_tokens: 1.5 }), status: 400, param: 'max_tokens' },
  {
    name: 'completions without a prompt',
    send: (p) => call(p, { path: '/v1/completions', body: { model: 'ready-model' } }),
    status: 400,
    param: 'prompt',
  },
  {
    name: 'embeddings without input',
    send: (p) => call(p, { path: '/v1/embeddings', body: { model: 'ready-model' } }),
    status: 400,
    param: 'input',
  },
  {
    name: 'unknown model',
    send: chat({ model: 'nope', messages: hi }),
    status: 404,
    param: 'model',
    code: 'model_not_found',
    message: /"nope" does not exist.*ready-model, slow-model, broken-model, gone-model/,
  },
  {
    name: 'Content-Length over the limit (body never read)',
    send: hugeDeclaredLength,
    status: 413,
    code: 'request_too_large',
    // Answered at once, before the body; the connection stays open to read and drop the rest.
    check: (result) => {
      expect((result as { elapsedMs?: number }).elapsedMs).toBeLessThan(2000);
      expect(result.headers.connection).toBe('keep-alive');
    },
  },
  {
    name: 'chunked body over the limit',
    send: chunkedOverLimit,
    status: 413,
    code: 'request_too_large',
  },
  {
    name: 'whole body over the limit, uploaded with fetch (the client reads the 413, not a reset)',
    send: wholeBodyOverLimit,
    status: 413,
    code: 'request_too_large',
  },
  {
    name: 'text/plain body',
    send: chat(JSON.stringify({ model: 'ready-model', messages: hi }), { 'content-type': 'text/plain' }),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'Host of another site (DNS rebinding)',
    send: (p) => call(p, { path: '/v1/models', headers: { host: `evil.com:${p}` } }),
    status: 403,
    code: 'host_not_allowed',
  },
  {
    name: 'Host with another port',
    send: (p) => call(p, { path: '/v1/models', headers: { host: `127.0.0.1:${p + 1}` } }),
    status: 403,
    code: 'host_not_allowed',
  },
  {
    name: 'Host check runs before the body is read',
    send: (p) => call(p, { path: '/v1/chat/completions', body: '{broken', headers: { host: 'evil.com' } }),
    status: 403,
    code: 'host_not_allowed',
  },
  {
    name: 'Origin of another site',
    send: (p) => call(p, { path: '/v1/models', headers: { origin: 'http://evil.com' } }),
    status: 403,
    code: 'origin_not_allowed',
    check: (result) => expect(result.headers['access-control-allow-origin']).toBeUndefined(),
  },
  {
    name: 'Origin null',
    send: (p) => call(p, { path: '/v1/models', headers: { origin: 'null' } }),
    status: 403,
    code: 'origin_not_allowed',
  },
  {
    name: 'runtime never becomes ready',
    send: chat({ model: 'slow-model', messages: hi }),
    status: 503,
    code: 'runtime_not_ready',
    message: /rt-slow is not ready \(state: starting\).*try again/,
    check: (result) => {
      expect(result.headers['retry-after']).toBe('5');
      expect(result.headers['x-homeport-route']).toBe('local; runtime=rt-slow; model=slow-model');
    },
  },
  {
    name: 'runtime failed',
    send: chat({ model: 'broken-model', messages: hi }),
    status: 503,
    code: 'runtime_failed',
    message: /rt-broken has failed: llama-server exited with code 1: out of memory/,
  },
  {
    name: 'runtime refuses the connection',
    send: chat({ model: 'gone-model', messages: hi }),
    status: 502,
    code: 'runtime_unreachable',
    message: /could not reach the runtime rt-gone: ECONNREFUSED/,
    check: (result) => expect(result.headers['x-homeport-route']).toBe('local; runtime=rt-gone; model=gone-model'),
  },
  { name: 'unknown path', send: (p) => call(p, { path: '/v1/nothing-here' }), status: 404, code: 'unknown_url' },
  {
    name: 'wrong method on an inference path',
    send: (p) => call(p, { path: '/v1/chat/completions' }),
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'wrong method on the models list (Allow: GET)',
    send: (p) => call(p, { path: '/v1/models', body: {} }),
    status: 405,
    code: 'method_not_allowed',
    check: (result) => expect(result.headers.allow).toBe('GET'),
  },
  {
    name: 'wrong method on one model',
    send: (p) => call(p, { path: '/v1/models/ready-model', method: 'DELETE' }),
    status: 405,
    code: 'method_not_allowed',
  },
  { name: 'unknown model by id', send: (p) => call(p, { path: '/v1/models/nope' }), status: 404, code: 'model_not_found' },
  {
    name: 'unexpected exception',
    send: chat({ model: 'explode', messages: hi }),
    status: 500,
    code: 'internal_error',
    message: /unexpected error/,
    check: (result) => expect(result.text).not.toContain('directory bug'),
  },
];

describe('gateway errors', () => {
  it.each(cases)('$name → $status', async (row) => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const started = performance.now();
      const result = await row.send(port);
      const elapsed = performance.now() - started;

      expect(result.status).toBe(row.status);
      expect(result.headers['content-type']).toMatch(/^application\/json/);
      // Exactly the OpenAI error shape, nothing more.
      const body = result.json as { error: Record<string, unknown> };
      expect(Object.keys(body)).toEqual(['error']);
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(typeof body.error.message).toBe('string');
      expect(body.error.type).toBe(row.status >= 500 ? 'server_error' : 'invalid_request_error');
      if (row.param !== undefined) expect(body.error.param).toBe(row.param);
      if (row.code !== undefined) expect(body.error.code).toBe(row.code);
      if (row.message !== undefined) expect(body.error.message).toMatch(row.message);
      row.check?.(result);
      if (row.code === 'runtime_not_ready') expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
      if (row.status === 500) expect(consoleError).toHaveBeenCalled();

      // The gateway is still up and serving.
      const models = await call(port, { path: '/v1/models' });
      expect(models.status).toBe(200);
    } finally {
      consoleError.mockRestore();
    }
  });

  it('never sends the x-powered-by header', async () => {
    const result = await call(port, { path: '/v1/models' });
    expect(result.headers['x-powered-by']).toBeUndefined();
  });
});
