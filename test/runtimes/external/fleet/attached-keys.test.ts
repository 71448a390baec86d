/**
 * Servers the user started with an API key (llama-server and vLLM
 * `--api-key`): the config names a secret or an environment variable, and
 * Homeport sends it on every request; against the doubles, which refuse
 * requests without the key as the real servers do.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runtimesConfigSchema } from '../../../../main/config/runtimes-schema.js';
import { resolveAttachedKeys } from '../../../../main/runtimes/external/attached-keys.js';
import { buildFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import type { RuntimeFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import { freePort, killAllDoubles, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';
import { detected, detections, removeTempDirs } from './support.js';
import { testModel } from '../../../support/models.js';

const MODEL = testModel('stories260K.gguf');
const KEY = 'user-chosen-key-123';
const fleets: RuntimeFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()));
  await killAllDoubles();
});
afterAll(removeTempDirs);

function secretsWith(values: Record<string, string>) {
  const declared: Array<[string, string | undefined]> = [];
  return { declared, declare: (name: string, env?: string) => void declared.push([name, env]), get: (name: string) => Promise.resolve(values[name]) };
}

async function chat(fleet: RuntimeFleet, id: string): Promise<number> {
  const entry = fleet.entries.find((e) => e.id === id)!;
  const endpoint = await entry.runtime.ensureReady({ deadlineMs: 5_000 });
  const res = await fetch(`${endpoint.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...endpoint.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ model: entry.upstreamModel, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
  });
  await res.body?.cancel();
  return res.status;
}

describe('keys of attached servers', () => {
  it('resolves a named secret, an environment variable, and says which configured key is not set', async () => {
    const config = runtimesConfigSchema.parse({ llamaServer: { apiKeySecret: 'my-llama' }, vllm: { apiKeyEnv: 'MY_VLLM_KEY' }, lmstudio: { apiKeySecret: 'lms-token' } });
    const secrets = secretsWith({ 'my-llama': 'k1' });
    const resolved = await resolveAttachedKeys({ config, secrets, env: { MY_VLLM_KEY: 'k2' } });
    expect(resolved.keys).toEqual({ 'llama-server': 'k1', vllm: 'k2' });
    expect(resolved.missing).toEqual([{ runtime: 'lmstudio', reason: expect.stringContaining('homeport secrets set lms-token') }]);
    expect(JSON.stringify(resolved.missing)).not.toContain('k1');
    expect(() => runtimesConfigSchema.parse({ llamaServer: { apiKeySecret: 'no spaces' } })).toThrow();
  });

  it('sends the configured key to a llama-server started with --api-key, and says what to set when there is none', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    spawnDouble('llama-server', ['-m', MODEL, '--port', String(port), '--api-key', KEY, '-a', 'users-model']);
    await waitForHttp(`${url}/health`);
    const build = async (withKey: boolean) => {
      const config = runtimesConfigSchema.parse({ llamaServer: { mode: 'attach', url, ...(withKey ? { apiKeySecret: 'my-llama' } : {}) }, ollama: { mode: 'off' }, lmstudio: { mode: 'off' }, vllm: { mode: 'off' } });
      const attachedKeys = await resolveAttachedKeys({ config, secrets: secretsWith({ 'my-llama': KEY }), env: {} });
      const fleet = await buildFleet({ config, detection: detections({ 'llama-server': detected('llama-server', { installed: false, url }) }), gpu: { cuda: false }, allocatePort: () => allocatePort(), attachedKeys });
      fleets.push(fleet);
      return fleet;
    };
    const without = await build(false);
    // Current llama-server builds guard /v1/models too, so without the key the model cannot even be listed.
    expect(without.entries).toEqual([]);
    expect(without.unavailable.map((u) => u.reason)).toEqual([expect.stringContaining('needs an API key for /v1/models; set runtimes.llamaServer.apiKeySecret')]);
    const keyed = await build(true);
    expect(keyed.entries.map((e) => e.id)).toEqual(['llama-server/users-model']);
    expect(await chat(keyed, 'llama-server/users-model')).toBe(200);
  });

  it('sends the configured key to a vLLM started with --api-key, and says what to set when there is none', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    spawnDouble('vllm', ['serve', 'org/m', '--host', '127.0.0.1', '--port', String(port), '--api-key', KEY, '--served-model-name', 'users-vllm']);
    await waitForHttp(`${url}/health`);
    const build = async (env: Record<string, string>) => {
      const config = runtimesConfigSchema.parse({ vllm: { mode: 'attach', url, apiKeyEnv: 'USERS_VLLM_KEY' }, llamaServer: { mode: 'off' }, ollama: { mode: 'off' }, lmstudio: { mode: 'off' } });
      const attachedKeys = await resolveAttachedKeys({ config, secrets: secretsWith({}), env });
      const fleet = await buildFleet({ config, detection: detections({ vllm: detected('vllm', { installed: false, url }) }), gpu: { cuda: false }, allocatePort: () => allocatePort(), attachedKeys });
      fleets.push(fleet);
      return fleet;
    };
    const without = await build({});
    expect(without.entries).toEqual([]);
    expect(without.unavailable.map((u) => u.reason)).toEqual([
      expect.stringContaining('USERS_VLLM_KEY is not set'),
      expect.stringContaining('set runtimes.vllm.apiKeySecret'),
    ]);
    const keyed = await build({ USERS_VLLM_KEY: KEY });
    expect(keyed.entries.map((e) => e.id)).toEqual(['vllm/users-vllm']);
    expect(await chat(keyed, 'vllm/users-vllm')).toBe(200);
  });
});
