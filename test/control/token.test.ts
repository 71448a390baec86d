import { mkdtemp, mkdir, rm, stat, chmod, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as crypto from 'node:crypto';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGateway, listenGateway, type ListeningGateway } from '../../main/gateway/app.js';
import { ModelMetrics } from '../../main/metrics/model-metrics.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import {
  controlCookieName,
  controlTokenPath,
  ensureControlToken,
  panelUrl,
  readControlToken,
  tokensMatch,
} from '../../main/control/control-token.js';
import { PANEL_CSP, createPanelHandler } from '../../main/control/panel-static.js';
import { call } from '../gateway/harness.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

// A real gateway with the control API (a counting /hardware route) and the panel from a temp folder.
let dir: string;
let token: string;
let gateway: ListeningGateway;
let port: number;
let hardwareCalls = 0;

async function startPanelGateway(panelDir: string | null): Promise<{ gateway: ListeningGateway; port: number }> {
  const control = Router();
  control.get('/hardware', (_req, res) => {
    hardwareCalls += 1;
    res.json({ cpu: 'test' });
  });
  const p = await allocatePort({ host: '127.0.0.1' });
  const app = createGateway({
    port: p,
    models: { resolve: () => undefined, list: () => [] },
    metrics: new ModelMetrics(),
    bodyLimitBytes: 1 << 20,
    readyDeadlineMs: 1000,
    controlRoutes: control,
    controlToken: token,
    panel: createPanelHandler({ dir: panelDir, token, port: p }),
    logError: () => undefined,
  });
  return { gateway: await listenGateway(app, { port: p, host: '127.0.0.1' }), port: p };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'homeport-token-'));
  token = await ensureControlToken(dir);
  const panel = join(dir, 'panel');
  await mkdir(join(panel, 'assets'), { recursive: true });
  await writeFile(join(panel, 'index.html'), '<!doctype html><title>Homeport</title><script type="module" src="./assets/app.js"></script>');
  await writeFile(join(panel, 'assets', 'app.js'), 'console.log("panel")');
  ({ gateway, port } = await startPanelGateway(panel));
});

afterAll(async () => {
  await gateway?.close();
  await rm(dir, { recursive: true, force: true });
});

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

describe('the control token guards every /homeport call', () => {
  it('answers 401 without the token, with a JSON error that says how to get in, and runs nothing', async () => {
    const before = hardwareCalls;
    for (const path of ['/homeport/v1/hardware', '/homeport/v1/no-such-route', '/homeport/anything']) {
      const res = await call(port, { path });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain('application/json');
      const error = (res.json as { error: { code: string; message: string; type: string } }).error;
      expect(error.code).toBe('unauthorized');
      expect(error.message).toContain('homeport panel-url');
      expect(error.message).not.toContain(token);
    }
    expect(hardwareCalls).toBe(before);
  });

  it('accepts the bearer header', async () => {
    const res = await call(port, { path: '/homeport/v1/hardware', headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ cpu: 'test' });
  });

  it('refuses a wrong token, one of another length, an empty one and another scheme', async () => {
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const headers of [bearer(wrong), bearer(`${token}x`), bearer(token.slice(0, 10)), { authorization: 'Bearer ' }, { authorization: `Basic ${token}` }]) {
      expect((await call(port, { path: '/homeport/v1/hardware', headers })).status).toBe(401);
    }
  });

  it('leaves the public /v1 API alone', async () => {
    const res = await call(port, { path: '/v1/models' });
    expect(res.status).toBe(200);
  });

  it('compares with crypto.timingSafeEqual, over digests of equal length whatever was sent', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(tokensMatch(token, token)).toBe(true);
    expect(tokensMatch('short', token)).toBe(false);
    expect(tokensMatch(`${token}${token}`, token)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
    for (const [a, b] of spy.mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
    expect(tokensMatch(undefined, token)).toBe(false);
    expect(tokensMatch('', token)).toBe(false);
  });
});

describe('the panel link: ?token= becomes a cookie', () => {
  it('sets an HttpOnly SameSite=Strict cookie and redirects to the address without the token', async () => {
    const res = await call(port, { path: `/?token=${encodeURIComponent(token)}&page=models` });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/?page=models');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain(`${controlCookieName(port)}=${token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(res.headers['referrer-policy']).toBe('no-referrer');

    const api = await call(port, { path: '/homeport/v1/hardware', headers: { cookie: `other=1; ${controlCookieName(port)}=${token}` } });
    expect(api.status).toBe(200);
  });

  it('drops a wrong token from the address without setting a cookie', async () => {
    const res = await call(port, { path: '/?token=not-the-token' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a cookie of another port and a wrong cookie', async () => {
    expect((await call(port, { path: '/homeport/v1/hardware', headers: { cookie: `${controlCookieName(port + 1)}=${token}` } })).status).toBe(401);
    expect((await call(port, { path: '/homeport/v1/hardware', headers: { cookie: `${controlCookieName(port)}=nope` } })).status).toBe(401);
  });

  it('refuses a blind cross-site GET (as an <img> on another site would send it), with or without the cookie', async () => {
    const before = hardwareCalls;
    const crossSite = { referer: 'https://evil.example/page', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' };
    expect((await call(port, { path: '/homeport/v1/hardware', headers: crossSite })).status).toBe(401);
    expect((await call(port, { path: '/homeport/v1/hardware', headers: { ...crossSite, cookie: `${controlCookieName(port)}=${token}` } })).status).toBe(401);
    expect(hardwareCalls).toBe(before);
  });

  it('prints the link in the shape the README shows', () => {
    expect(panelUrl(4663, token)).toBe(`http://127.0.0.1:4663/?token=${token}`);
  });
});

describe('the built panel at /', () => {
  it('serves index.html without the token, with a strict CSP', async () => {
    const res = await call(port, { path: '/' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('<title>Homeport</title>');
    expect(res.headers['content-security-policy']).toBe(PANEL_CSP);
    expect(PANEL_CSP).toContain("script-src 'self'");
    expect(PANEL_CSP).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(PANEL_CSP).toContain("connect-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('serves built assets with their type and the app page for its own routes', async () => {
    const asset = await call(port, { path: '/assets/app.js' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    const route = await call(port, { path: '/models', headers: { accept: 'text/html' } });
    expect(route.status).toBe(200);
    expect(route.text).toContain('<title>Homeport</title>');
    expect((await call(port, { path: '/assets/missing.js' })).status).toBe(404);
  });

  it('never serves a file outside the panel folder', async () => {
    await writeFile(join(dir, 'secret.txt'), 'outside');
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const res = await call(port, { path });
      expect(res.text).not.toContain('outside');
    }
  });

  it('is behind the Host guard like everything else', async () => {
    expect((await call(port, { path: '/', headers: { host: `evil.example:${port}` } })).status).toBe(403);
  });

  it('says how to build the panel when it is not built', async () => {
    const bare = await startPanelGateway(null);
    try {
      const res = await call(bare.port, { path: '/' });
      expect(res.status).toBe(503);
      expect(res.text).toContain('npm run build:renderer');
    } finally {
      await bare.gateway.close();
    }
  });
});

describe('the token file', () => {
  it('is created once per data dir with mode 0600 and reused', async () => {
    const other = await mkdtemp(join(tmpdir(), 'homeport-token-other-'));
    try {
      expect(await readControlToken(other)).toBeNull();
      const first = await ensureControlToken(other);
      expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((await stat(controlTokenPath(other))).mode & 0o777).toBe(0o600);
      expect(await ensureControlToken(other)).toBe(first);
      expect(await readControlToken(other)).toBe(first);
      expect(first).not.toBe(token);
      expect((await readFile(controlTokenPath(other), 'utf8')).trim()).toBe(first);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('tightens a token file that lost its mode', async () => {
    await chmod(controlTokenPath(dir), 0o644);
    expect(await readControlToken(dir)).toBe(token);
    expect((await stat(controlTokenPath(dir))).mode & 0o777).toBe(0o600);
  });
});
