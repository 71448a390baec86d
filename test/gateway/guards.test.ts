import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime, call, directoryOf, modelEntry, startGateway } from './harness.js';
import type { TestGateway } from './harness.js';
import { TEST_CONTROL_TOKEN } from '../support/control-token.js';

let gateway: TestGateway;
let port: number;

beforeAll(async () => {
  const control = Router();
  control.get('/status', (_req, res) => {
    res.json({ ok: true });
  });
  control.post('/runtimes/:id/stop', (_req, res) => {
    res.json({ stopped: true });
  });
  gateway = await startGateway({
    models: directoryOf([modelEntry('m', new FakeRuntime('rt', { kind: 'never-ready', state: 'stopped' }))]),
    controlRoutes: control,
  });
  port = gateway.port;
});

afterAll(async () => {
  await gateway?.close();
});

describe('Host and Origin guard', () => {
  it.each(['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST'])('accepts Host %s:PORT', async (name) => {
    const result = await call(port, { path: '/v1/models', headers: { host: `${name}:${port}` } });
    expect(result.status).toBe(200);
  });

  it.each(['localhost', '127.0.0.1.evil.com', `evil.com`])('refuses Host %s without the port', async (host) => {
    expect((await call(port, { path: '/v1/models', headers: { host } })).status).toBe(403);
  });

  it('lets an allowed Origin through and echoes it, never *', async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]) {
      const result = await call(port, { path: '/v1/models', headers: { origin } });
      expect(result.status).toBe(200);
      expect(result.headers['access-control-allow-origin']).toBe(origin);
      expect(result.headers.vary).toContain('Origin');
    }
  });

  it.each(['https://127.0.0.1:PORT', 'http://localhost:1', 'http://localhost', 'file://', 'null'])('refuses Origin %s', async (template) => {
    const origin = template.replace('PORT', String(port));
    const result = await call(port, { path: '/v1/models', headers: { origin } });
    expect(result.status).toBe(403);
    expect(result.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a preflight from an allowed origin only', async () => {
    const allowed = await call(port, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: {
        origin: `http://localhost:${port}`,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-os',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(`http://localhost:${port}`);
    expect(allowed.headers['access-control-allow-methods']).toContain('POST');
    expect(allowed.headers['access-control-allow-headers']).toBe('authorization, content-type, x-stainless-os');

    const refused = await call(port, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: { origin: 'https://evil.com', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('mounts the control routes under /homeport/v1 behind the same guards and the control token', async () => {
    const auth = { authorization: `Bearer ${TEST_CONTROL_TOKEN}` };
    expect((await call(port, { path: '/homeport/v1/status', headers: auth })).json).toEqual({ ok: true });
    expect((await call(port, { path: '/homeport/v1/status' })).status).toBe(401);
    expect((await call(port, { path: '/homeport/v1/status', headers: { ...auth, host: `evil.com:${port}` } })).status).toBe(403);
    const csrf = await call(port, { method: 'POST', path: '/homeport/v1/runtimes/rt/stop', headers: { ...auth, origin: 'http://evil.com' } });
    expect(csrf.status).toBe(403);
    const missing = await call(port, { path: '/homeport/v1/nothing', headers: auth });
    expect(missing.status).toBe(404);
    expect((missing.json as { error: { code: string } }).error.code).toBe('unknown_url');
  });
});
