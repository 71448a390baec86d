/**
 * A local runtime that refuses an endpoint it does not serve, on the routed
 * path: llama-server (the protocol double Homeport spawns) answers 501 for
 * /v1/embeddings without --embeddings. Through a route the client gets the
 * same advice as on the plain path (what to change in Homeport's config), the
 * refusal is neither retried nor counted against the target's circuit, and a
 * route with another target that serves the endpoint answers from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { putRouting, requestRecord } from '../support/routing.js';
import { testModel } from '../support/models.js';
import { startCloudDouble, type CloudDouble } from '../fixtures/cloud-double.js';
import { doubleBin } from '../fixtures/doubles/harness.js';
import type { RequestRecord } from '../../main/requests/types.js';

const KEY = 'sk-homeport-unserved-0123456789abcdef';
const ENV = 'HP_UNSERVED_TEST_KEY';
const LOCAL = 'llama-server/tiny';

let t: TestEngine;
let cloud: CloudDouble;

const record = (id: string | null): Promise<RequestRecord> => requestRecord(t, id);

function embed(model: string): Promise<Response> {
  return fetch(`${t.engine.baseUrl}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input: 'hello' }) });
}

beforeAll(async () => {
  process.env[ENV] = KEY;
  cloud = await startCloudDouble({ key: KEY });
  t = await startTestEngine({
    config: {
      runtimes: {
        ollama: { mode: 'off' },
        llamaServer: { mode: 'spawn', path: doubleBin('llama-server') },
        llamaServerModels: [{ path: testModel('stories260K.gguf'), id: 'tiny', ctx: 512, parallel: 2 }],
        lmstudio: { mode: 'off' },
        vllm: { mode: 'off' },
      },
    },
  });
  const routing = {
    providers: { cloud: { baseUrl: cloud.baseUrl, kind: 'cloud', apiKeySecret: 'unserved-key', apiKeyEnv: ENV } },
    routes: {
      'local-embed': { targets: [`local:${LOCAL}`], retries: 1 },
      'embed-burst': { targets: [`local:${LOCAL}`, 'cloud:text-embedding-test'], retries: 1 },
    },
    breaker: { failures: 3, cooldownMs: 60_000, maxCooldownMs: 60_000 },
  };
  await putRouting(t, routing);
}, 120_000);

afterAll(async () => {
  await t?.engine.stop();
  await cloud?.close();
  delete process.env[ENV];
});

describe('an endpoint a local runtime does not serve, through a route', () => {
  it('answers the runtime\'s status with the config advice, tried once, recorded with the advice', async () => {
    const res = await embed('local-embed');
    expect(res.status).toBe(501);
    expect(res.headers.get('x-homeport-route')).toBe('route=local-embed; target=none');
    const body = (await res.json()) as { error: { message: string; code: string; type: string } };
    expect(body.error).toMatchObject({ code: 'endpoint_not_served', type: 'server_error' });
    expect(body.error.message).toContain('This server does not support embeddings');
    expect(body.error.message).toContain('Set "embeddings": true for this model under runtimes.llamaServerModels');
    const r = await record(res.headers.get('x-homeport-request-id'));
    expect(r.status).toBe(501);
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0]).toMatchObject({ target: `local:${LOCAL}`, outcome: 'skipped', status: 501, tries: 1 });
    expect(r.attempts[0]?.reason).toContain(`local:${LOCAL} does not serve /v1/embeddings`);
    expect(r.attempts[0]?.reason).toContain('runtimes.llamaServerModels');
  });

  it('a route with another target that serves the endpoint answers from it, the refusal in the trace', async () => {
    const sdk = new OpenAI({ baseURL: t.engine.baseUrl, apiKey: 'unused', maxRetries: 0 });
    const { data, response } = await sdk.embeddings.create({ model: 'embed-burst', input: 'hello', encoding_format: 'float' }).withResponse();
    expect(data.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(response.headers.get('x-homeport-route')).toBe('route=embed-burst; target=cloud:text-embedding-test; tier=cloud');
    const r = await record(response.headers.get('x-homeport-request-id'));
    expect(r.attempts.map((a) => [a.target, a.outcome])).toEqual([
      [`local:${LOCAL}`, 'skipped'],
      ['cloud:text-embedding-test', 'answered'],
    ]);
    expect(r.attempts[0]?.reason).toContain('"embeddings": true');
  });

  it('refusals do not open the target\'s circuit: chat through the same runtime still answers', async () => {
    for (let i = 0; i < 4; i++) expect((await embed('local-embed')).status).toBe(501);
    const res = await fetch(`${t.engine.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local-embed', max_tokens: 4, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-homeport-route')).toBe(`route=local-embed; target=local:${LOCAL}; tier=local`);
    await res.text();
  });
});
