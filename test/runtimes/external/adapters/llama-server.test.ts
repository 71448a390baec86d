import { afterEach, describe, expect, it } from 'vitest';
import {
  buildLlamaServerLaunchPlan,
  judgeLlamaServerHealth,
  llamaServerAdapter,
  parseLlamaServerModels,
  parseLlamaServerVersion,
} from '../../../../main/runtimes/external/adapters/llama-server.js';
import { redactSecretArgs } from '../../../../main/runtimes/process/redact-args.js';
import { freePort, killAllDoubles, runDouble, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';
import { testModel } from '../../../support/models.js';

const MODEL = testModel('stories260K.gguf');
const fixedKey = () => Buffer.alloc(32, 1);
const KEY = '01'.repeat(32);

afterEach(killAllDoubles);

describe('llama-server launch plan', () => {
  it('builds the exact argv with a per-launch key in argv and the auth header', () => {
    const plan = buildLlamaServerLaunchPlan({ modelPath: '/m/x.gguf', port: 9001, contextSize: 4096, parallel: 2, randomBytes: fixedKey });
    expect(plan).toEqual({
      command: 'llama-server',
      args: ['-m', '/m/x.gguf', '--host', '127.0.0.1', '--port', '9001', '-c', '4096', '-np', '2', '--cors-origins', 'http://homeport.invalid', '--api-key', KEY],
      baseUrl: 'http://127.0.0.1:9001',
      healthPath: '/health',
      headers: { Authorization: `Bearer ${KEY}` },
    });
  });

  it('adds -ngl, -t, -a and --embeddings when asked, and can pass the key by environment instead', () => {
    const plan = buildLlamaServerLaunchPlan({
      modelPath: 'x.gguf', port: 9002, contextSize: 2048, parallel: 1, gpuLayers: 'all', threads: 1, alias: 'tiny', embeddings: true,
      binaryPath: '/opt/llama/llama-server', apiKeyVia: 'env', randomBytes: fixedKey,
    });
    expect(plan.command).toBe('/opt/llama/llama-server');
    expect(plan.args).toEqual(['-m', 'x.gguf', '--host', '127.0.0.1', '--port', '9002', '-c', '2048', '-np', '1', '--cors-origins', 'http://homeport.invalid', '-ngl', 'all', '-t', '1', '-a', 'tiny', '--embeddings']);
    expect(plan.env).toEqual({ LLAMA_API_KEY: KEY });
    expect(plan.headers).toEqual({ Authorization: `Bearer ${KEY}` });
    expect(buildLlamaServerLaunchPlan({ modelPath: 'x', port: 1, contextSize: 1, parallel: 1, gpuLayers: 0 }).args).toContain('-ngl');
  });

  it('uses a different key on every launch and redacts it for display', () => {
    const a = buildLlamaServerLaunchPlan({ modelPath: 'x', port: 9003, contextSize: 512, parallel: 1 });
    const b = buildLlamaServerLaunchPlan({ modelPath: 'x', port: 9003, contextSize: 512, parallel: 1 });
    expect(a.headers?.Authorization).not.toBe(b.headers?.Authorization);
    const shown = redactSecretArgs(a.args);
    expect(shown.join(' ')).not.toContain(a.headers!.Authorization!.slice('Bearer '.length));
    expect(shown.slice(-2)).toEqual(['--api-key', '***']);
  });

  it('refuses nonsensical sizes', () => {
    expect(() => buildLlamaServerLaunchPlan({ modelPath: 'x', port: 9004, contextSize: 0, parallel: 1 })).toThrow(RangeError);
    expect(() => buildLlamaServerLaunchPlan({ modelPath: 'x', port: 9004, contextSize: 512, parallel: 1.5 })).toThrow(RangeError);
  });
});

describe('llama-server parsers', () => {
  it('reads both version formats and explains a failure', () => {
    expect(parseLlamaServerVersion({ stdout: '', stderr: 'version: 6789 (a1b2c3d)\nbuilt with cc for x86_64\n' })).toEqual({ ok: true, value: 'b6789 (a1b2c3d)' });
    expect(parseLlamaServerVersion({ stdout: '', stderr: 'version: 0.2.0-dev (build 10709, commit 9a9394a89)\n' })).toEqual({ ok: true, value: '0.2.0-dev (b10709, 9a9394a89)' });
    const bad = parseLlamaServerVersion({ stdout: 'hello', stderr: '' });
    expect(bad.ok).toBe(false);
  });

  it('judges /health: 200 ok is healthy, 503 is loading', () => {
    expect(judgeLlamaServerHealth({ status: 200, body: '{"status":"ok"}' }).healthy).toBe(true);
    expect(judgeLlamaServerHealth({ status: 503, body: '{"error":{"message":"Loading model"}}' })).toEqual({ healthy: false, reason: expect.stringContaining('loading') });
    expect(judgeLlamaServerHealth({ status: 200, body: 'OK' }).healthy).toBe(false);
  });

  it('maps /v1/models to the common shape', () => {
    const parsed = parseLlamaServerModels({ object: 'list', data: [{ id: 'tiny', owned_by: 'llamacpp', meta: { n_ctx: 1024, n_ctx_train: 2048, size: 99 } }] });
    expect(parsed).toEqual({ ok: true, value: [{ id: 'tiny', type: 'unknown', loaded: true, contextLength: 1024, maxContextLength: 2048, sizeBytes: 99 }] });
    expect(parseLlamaServerModels({ models: [] }).ok).toBe(false);
  });
});

describe('llama-server adapter against its double', () => {
  it('launches with the built argv, becomes healthy and lists the aliased model using the plan headers', async () => {
    const port = await freePort();
    const plan = llamaServerAdapter.buildLaunchPlan({ modelPath: MODEL, port, contextSize: 1024, parallel: 2, threads: 1, alias: 'stories' });
    spawnDouble('llama-server', plan.args, { env: plan.env });
    const health = await waitForHttp(`${plan.baseUrl}${plan.healthPath}`);
    expect(llamaServerAdapter.health.judge({ status: health.status, body: await health.text() }).healthy).toBe(true);
    const models = await fetch(`${plan.baseUrl}${llamaServerAdapter.models.path}`, { headers: plan.headers });
    expect(llamaServerAdapter.models.parse(await models.json())).toMatchObject({ ok: true, value: [{ id: 'stories', contextLength: 512 }] });
    const chat = await fetch(`${plan.baseUrl}/v1/chat/completions`, { method: 'POST', headers: plan.headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
    expect(chat.status).toBe(200);
    const anonymous = await fetch(`${plan.baseUrl}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
    expect(anonymous.status).toBe(401);
  });

  it('reads the version the double prints', async () => {
    const output = await runDouble('llama-server', llamaServerAdapter.version.args);
    expect(llamaServerAdapter.version.parse(output)).toMatchObject({ ok: true });
  });
});
