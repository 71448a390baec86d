import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../main/gateway/app.js';
import { startFakeUpstream } from '../fixtures/fake-upstream.js';
import type { FakeUpstream } from '../fixtures/fake-upstream.js';
import { FakeRuntime, RecordingMetrics, call, directoryOf, modelEntry, startGateway } from './harness.js';
import type { CallResult, TestGateway } from './harness.js';

/**
 * The inference routes are served by the fast lane when the gateway is
 * started with listenGateway, and by express when the app is mounted as is.
 * Both must answer the same way.
 */
let upstream: FakeUpstream;
let viaFastLane: TestGateway;
let plainServer: http.Server;
let plainPort: number;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const models = directoryOf([modelEntry('m', new FakeRuntime('rt', { kind: 'ready', endpoint: upstream.endpoint() }))]);
  viaFastLane = await startGateway({ models });

  // The same app mounted directly on a server: every request goes through express.
  plainServer = http.createServer();
  await new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
  plainPort = (plainServer.address() as AddressInfo).port;
  const app = createGateway({ port: plainPort, models, metrics: new RecordingMetrics(), bodyLimitBytes: 1024, readyDeadlineMs: 100 });
  plainServer.on('request', app);
});

afterAll(async () => {
  await viaFastLane?.close();
  plainServer?.closeAllConnections();
  await new Promise((resolve) => plainServer?.close(resolve));
  await upstream?.close();
});

const requests: { name: string; path: string; body?: unknown; headers?: (port: number) => Record<string, string> }[] = [
  { name: 'a chat completion', path: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'a query string (express only)', path: '/v1/completions?x=1', body: { model: 'm', prompt: 'hi' } },
  { name: 'a validation error', path: '/v1/embeddings', body: { model: 'm' } },
  { name: 'an unknown model', path: '/v1/chat/completions', body: { model: 'nope', messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'a bad Host', path: '/v1/chat/completions', body: { model: 'm' }, headers: () => ({ host: 'evil.com' }) },
  { name: 'a bad Origin', path: '/v1/chat/completions', body: { model: 'm' }, headers: () => ({ origin: 'null' }) },
  {
    name: 'an allowed Origin',
    path: '/v1/chat/completions',
    body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    headers: (port) => ({ origin: `http://localhost:${port}` }),
  },
];

function comparable(result: CallResult, port: number): unknown {
  const json = result.json as { error?: { message: string } } | undefined;
  return {
    status: result.status,
    route: result.headers['x-homeport-route'],
    acao: result.headers['access-control-allow-origin']?.replace(String(port), 'PORT'),
    body: json?.error ? { ...json, error: { ...json.error, message: json.error.message.replaceAll(String(port), 'PORT') } } : json,
  };
}

describe('fast lane and express answer alike', () => {
  it.each(requests)('$name', async (request) => {
    const fast = await call(viaFastLane.port, { path: request.path, body: request.body, headers: request.headers?.(viaFastLane.port) });
    const plain = await call(plainPort, { path: request.path, body: request.body, headers: request.headers?.(plainPort) });
    expect(comparable(fast, viaFastLane.port)).toEqual(comparable(plain, plainPort));
  });
});
