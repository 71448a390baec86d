/**
 * What a web page in the user's browser can do with a runtime Homeport
 * starts, checked against the doubles (which reproduce each runtime's CORS
 * handling and vLLM's open /invocations): first the runtime's own default,
 * then the launch plan Homeport builds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildLlamaServerLaunchPlan, NO_BROWSER_ORIGIN } from '../../../../main/runtimes/external/adapters/llama-server.js';
import { buildVllmLaunchPlan } from '../../../../main/runtimes/external/adapters/vllm.js';
import { writeVllmGuardModule } from '../../../../main/runtimes/external/fleet/vllm-guard-file.js';
import { freePort, killAllDoubles, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';
import { request } from 'node:http';
import { testModel } from '../../../support/models.js';

afterEach(killAllDoubles);

const PAGE = 'http://evil.example';
const chat = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });

/** A raw request (node:http sends Host and Origin exactly as given; fetch would not let us set them). */
function send(options: { port: number; method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: options.port, method: options.method, path: options.path, headers: options.headers ?? {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function waitHealthy(port: number, headers: Record<string, string> = {}): Promise<void> {
  await waitForHttp(`http://127.0.0.1:${port}/health`, { headers });
}

describe('llama-server and browser pages', () => {
  it('by default echoes any Origin, so a page may read its answers', async () => {
    const port = await freePort();
    spawnDouble('llama-server', ['-m', testModel('stories260K.gguf'), '--port', String(port)]);
    await waitHealthy(port);
    const answer = await send({ port, method: 'POST', path: '/v1/chat/completions', headers: { Origin: PAGE, 'Content-Type': 'text/plain' }, body: chat });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(PAGE);
  });

  it("as Homeport launches it, names no page's origin in CORS and needs the key", async () => {
    const port = await freePort();
    const plan = buildLlamaServerLaunchPlan({ modelPath: testModel('stories260K.gguf'), port, contextSize: 512, parallel: 1, apiKeyVia: 'env' });
    spawnDouble('llama-server', plan.args, { env: plan.env ?? {} });
    await waitHealthy(port);
    const anonymous = await send({ port, method: 'POST', path: '/v1/chat/completions', headers: { Origin: PAGE, 'Content-Type': 'text/plain' }, body: chat });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['access-control-allow-origin']).toBe(NO_BROWSER_ORIGIN);
    const preflight = await send({ port, method: 'OPTIONS', path: '/v1/chat/completions', headers: { Origin: PAGE, 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.headers['access-control-allow-origin']).not.toBe(PAGE);
  });
});

describe('vLLM and browser pages', () => {
  it('by default allows every origin and leaves /invocations open even with --api-key', async () => {
    const port = await freePort();
    spawnDouble('vllm', ['serve', 'org/m', '--host', '127.0.0.1', '--port', String(port), '--api-key', 'k']);
    await waitHealthy(port);
    const v1 = await send({ port, method: 'POST', path: '/v1/chat/completions', headers: { 'Content-Type': 'application/json' }, body: chat });
    expect(v1.status).toBe(401);
    const invocations = await send({ port, method: 'POST', path: '/invocations', headers: { Origin: PAGE, 'Content-Type': 'text/plain' }, body: chat });
    expect(invocations.status).toBe(200);
    expect(invocations.headers['access-control-allow-origin']).toBe('*');
  });

  it('as Homeport launches it, needs the key, the exact Host and no Origin on every path, /invocations included', async () => {
    const port = await freePort();
    const plan = buildVllmLaunchPlan({ model: 'org/m', port, apiKeyVia: 'env', guardModuleDir: await writeVllmGuardModule() });
    expect(plan.args.join(' ')).toContain('--allowed-origins []');
    spawnDouble('vllm', plan.args, { env: plan.env ?? {} });
    const key = { ...plan.headers };
    await waitHealthy(port, key);

    const anonymous = await send({ port, method: 'POST', path: '/invocations', headers: { 'Content-Type': 'application/json' }, body: chat });
    expect(anonymous.status).toBe(401);
    const keyed = await send({ port, method: 'POST', path: '/invocations', headers: { ...key, 'Content-Type': 'application/json' }, body: chat });
    expect(keyed.status).toBe(200);
    const rebound = await send({ port, method: 'POST', path: '/invocations', headers: { ...key, Host: `evil.example:${port}`, 'Content-Type': 'application/json' }, body: chat });
    expect(rebound.status).toBe(403);
    const fromPage = await send({ port, method: 'GET', path: '/v1/models', headers: { ...key, Origin: PAGE } });
    expect(fromPage.status).toBe(403);
    expect(fromPage.headers['access-control-allow-origin']).toBeUndefined();
    expect((await send({ port, method: 'GET', path: '/metrics' })).status).toBe(401);
  });

  it('fails to start when the guard module is missing from PYTHONPATH, as Python would', async () => {
    const port = await freePort();
    const plan = buildVllmLaunchPlan({ model: 'org/m', port, apiKeyVia: 'env', guardModuleDir: '/nonexistent' });
    const double = spawnDouble('vllm', plan.args, { env: plan.env ?? {} });
    expect((await double.exited).code).toBe(1);
    expect(double.stderr()).toContain("ModuleNotFoundError: No module named 'homeport_vllm_guard'");
  });
});
