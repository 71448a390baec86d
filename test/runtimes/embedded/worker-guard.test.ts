/**
 * The embedded worker refuses every request that does not come from the
 * gateway: checked with raw request bytes on a socket against the real worker
 * process (so no client library adds or fixes headers on the way).
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedLaunchPlan } from '../../../main/runtimes/embedded/launch-plan.js';
import { WORKER_KEY_ENV } from '../../../main/runtimes/embedded/request-guard.js';
import { freePort, requireModel, startWorker, STORIES_MODEL, type RunningWorker } from './worker-process.js';

let worker: RunningWorker;
let key: string;

beforeAll(async () => {
  worker = await startWorker({ parallel: 1 });
  key = (worker.headers.Authorization ?? '').replace(/^Bearer /, '');
});

afterAll(async () => {
  await worker?.stop();
});

interface RawAnswer {
  readonly status: number;
  readonly body: string;
}

/** Send `head` (request line and headers, CRLF-separated, without the blank line) and `body`; read the whole answer. */
function raw(head: string[], body: Buffer | string = ''): Promise<RawAnswer> {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const socket = connect(worker.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    const lines = [...head, 'Connection: close'];
    if (payload.length > 0) lines.push(`Content-Length: ${payload.length}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    socket.write(payload); // no half-close: the worker would take it for a client that left
  });
}

const chatBody = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });

function errorCode(answer: RawAnswer): unknown {
  return (JSON.parse(answer.body) as { error: { code: unknown } }).error.code;
}

describe('embedded worker request guard', () => {
  it('answers the gateway: right Host and key', async () => {
    const answer = await raw(['GET /health HTTP/1.1', `Host: 127.0.0.1:${worker.port}`, `Authorization: Bearer ${key}`]);
    expect(answer.status).toBe(200);
    const alsoLocalhost = await raw(['GET /v1/models HTTP/1.1', `Host: localhost:${worker.port}`, `Authorization: Bearer ${key}`]);
    expect(alsoLocalhost.status).toBe(200);
  });

  it.each([
    ['no key on /health', ['GET /health HTTP/1.1', 'HOST']],
    ['no key on a chat request', ['POST /v1/chat/completions HTTP/1.1', 'HOST', 'Content-Type: application/json']],
    ['a wrong key', ['POST /v1/chat/completions HTTP/1.1', 'HOST', 'Content-Type: application/json', 'Authorization: Bearer 0123456789abcdef']],
    ['the key with a different scheme', ['GET /v1/models HTTP/1.1', 'HOST', 'Authorization: Basic KEY']],
  ])('refuses %s with 401', async (_name, head) => {
    const answer = await raw(head.map((line) => (line === 'HOST' ? `Host: 127.0.0.1:${worker.port}` : line.replace('KEY', key))), head[0]!.startsWith('POST') ? chatBody : '');
    expect(answer.status).toBe(401);
    expect(errorCode(answer)).toBe('invalid_api_key');
  });

  it.each([
    ['a rebound DNS name', 'Host: evil.example:PORT'],
    ['another port', 'Host: 127.0.0.1:1'],
    ['no port', 'Host: 127.0.0.1'],
    ['a LAN address', 'Host: 192.168.1.5:PORT'],
  ])('refuses a Host header naming %s with 403, even with the key', async (_name, hostLine) => {
    const answer = await raw(['GET /health HTTP/1.1', hostLine.replace('PORT', String(worker.port)), `Authorization: Bearer ${key}`]);
    expect(answer.status).toBe(403);
    expect(errorCode(answer)).toBe('host_not_allowed');
  });

  it('refuses a browser request (any Origin) with 403, even with the key', async () => {
    const answer = await raw(['GET /v1/models HTTP/1.1', `Host: 127.0.0.1:${worker.port}`, `Authorization: Bearer ${key}`, 'Origin: http://localhost:3000']);
    expect(answer.status).toBe(403);
    expect(errorCode(answer)).toBe('origin_not_allowed');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('refuses a %s POST with 415', async (type) => {
    const answer = await raw(
      ['POST /v1/chat/completions HTTP/1.1', `Host: 127.0.0.1:${worker.port}`, `Authorization: Bearer ${key}`, `Content-Type: ${type}`],
      chatBody,
    );
    expect(answer.status).toBe(415);
    expect(errorCode(answer)).toBe('unsupported_media_type');
  });

  it('accepts application/json with a charset parameter', async () => {
    const answer = await raw(
      ['POST /v1/chat/completions HTTP/1.1', `Host: 127.0.0.1:${worker.port}`, `Authorization: Bearer ${key}`, 'Content-Type: application/json; charset=utf-8'],
      chatBody,
    );
    expect(answer.status).toBe(200);
  });

  it('answers a body with invalid UTF-8 with 400 invalid_json instead of replacing the bytes', async () => {
    const body = Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}],"max_tokens":1}')]);
    const answer = await raw(
      ['POST /v1/chat/completions HTTP/1.1', `Host: 127.0.0.1:${worker.port}`, `Authorization: Bearer ${key}`, 'Content-Type: application/json'],
      body,
    );
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe('invalid_json');
  });
});

describe('embedded worker key handling', () => {
  it('passes the key by environment, never on the command line, and a fresh one per launch', () => {
    const a = embeddedLaunchPlan({ modelPath: '/m.gguf', port: 4000 });
    const b = embeddedLaunchPlan({ modelPath: '/m.gguf', port: 4000 });
    const keyA = a.env?.[WORKER_KEY_ENV];
    expect(keyA).toMatch(/^[0-9a-f]{64}$/);
    expect(a.headers).toEqual({ Authorization: `Bearer ${keyA}` });
    expect(a.args.join(' ')).not.toContain(keyA);
    expect(b.env?.[WORKER_KEY_ENV]).not.toBe(keyA);
  });

  it('refuses to start without a key (exit 2)', async () => {
    requireModel();
    const plan = embeddedLaunchPlan({ modelPath: STORIES_MODEL, port: await freePort(), threads: 1 });
    const env: Record<string, string | undefined> = { ...process.env, ...plan.env };
    delete env[WORKER_KEY_ENV];
    const child = spawn(plan.command, [...plan.args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(2);
    expect(stderr).toContain(WORKER_KEY_ENV);
  });
});
