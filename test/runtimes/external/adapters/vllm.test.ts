import { afterEach, describe, expect, it } from 'vitest';
import { buildVllmLaunchPlan, judgeVllmHealth, parseVllmModels, parseVllmVersion, vllmAdapter } from '../../../../main/runtimes/external/adapters/vllm.js';
import { redactSecretArgs } from '../../../../main/runtimes/process/redact-args.js';
import { freePort, killAllDoubles, runDouble, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';

const fixedKey = () => Buffer.alloc(32, 2);
const KEY = '02'.repeat(32);

afterEach(killAllDoubles);

describe('vllm launch plan', () => {
  it('builds the exact argv, always with a loopback host and a per-launch key', () => {
    expect(buildVllmLaunchPlan({ model: 'Qwen/Qwen3-0.6B', port: 9300, randomBytes: fixedKey })).toEqual({
      command: 'vllm',
      args: ['serve', 'Qwen/Qwen3-0.6B', '--host', '127.0.0.1', '--port', '9300', '--allowed-origins', '[]', '--api-key', KEY],
      baseUrl: 'http://127.0.0.1:9300',
      healthPath: '/health',
      headers: { Authorization: `Bearer ${KEY}` },
    });
    const full = buildVllmLaunchPlan({ model: 'm', port: 9301, maxModelLen: 8192, gpuMemoryUtilization: 0.8, servedModelName: 'chat', maxNumSeqs: 8, apiKeyVia: 'env', randomBytes: fixedKey });
    expect(full.args).toEqual(['serve', 'm', '--host', '127.0.0.1', '--port', '9301', '--allowed-origins', '[]', '--max-model-len', '8192', '--gpu-memory-utilization', '0.8', '--served-model-name', 'chat', '--max-num-seqs', '8']);
    expect(full.env).toEqual({ VLLM_API_KEY: KEY });
    expect(() => buildVllmLaunchPlan({ model: 'm', port: 9302, gpuMemoryUtilization: 1.5 })).toThrow(RangeError);
  });

  it('redacts the key and allows a long start', () => {
    const plan = buildVllmLaunchPlan({ model: 'm', port: 9303 });
    expect(redactSecretArgs(plan.args).slice(-2)).toEqual(['--api-key', '***']);
    expect(vllmAdapter.startDeadlineMs).toBeGreaterThanOrEqual(15 * 60_000);
  });

  it('parses the bare version, health and model cards', () => {
    expect(parseVllmVersion({ stdout: '0.11.0\n', stderr: 'INFO some log\n' })).toEqual({ ok: true, value: '0.11.0' });
    expect(parseVllmVersion({ stdout: '0.10.2rc2.dev45+g1234\n', stderr: '' })).toEqual({ ok: true, value: '0.10.2rc2.dev45+g1234' });
    expect(parseVllmVersion({ stdout: 'Traceback (most recent call last):', stderr: '' }).ok).toBe(false);
    expect(judgeVllmHealth({ status: 200, body: '' }).healthy).toBe(true);
    expect(judgeVllmHealth({ status: 503, body: '' }).healthy).toBe(false);
    expect(parseVllmModels({ object: 'list', data: [{ id: 'chat', owned_by: 'vllm', root: 'm', max_model_len: 4096 }] })).toEqual({
      ok: true,
      value: [{ id: 'chat', type: 'unknown', loaded: true, contextLength: 4096, maxContextLength: 4096, sizeBytes: null }],
    });
  });
});

describe('vllm adapter against its double', () => {
  it('launches with the built argv, becomes healthy and lists the served name with the plan headers', async () => {
    const port = await freePort();
    const plan = vllmAdapter.buildLaunchPlan({ model: 'org/m', port, maxModelLen: 4096, gpuMemoryUtilization: 0.5, servedModelName: 'chat', maxNumSeqs: 4 });
    spawnDouble('vllm', plan.args, { env: plan.env });
    const health = await waitForHttp(`${plan.baseUrl}${plan.healthPath}`);
    expect(vllmAdapter.health.judge({ status: health.status, body: await health.text() }).healthy).toBe(true);
    expect((await fetch(`${plan.baseUrl}${vllmAdapter.models.path}`)).status).toBe(401);
    const models = await fetch(`${plan.baseUrl}${vllmAdapter.models.path}`, { headers: plan.headers });
    expect(vllmAdapter.models.parse(await models.json())).toMatchObject({ ok: true, value: [{ id: 'chat', contextLength: 4096 }] });
    expect(vllmAdapter.version.parse(await runDouble('vllm', vllmAdapter.version.args))).toMatchObject({ ok: true });
  });
});
