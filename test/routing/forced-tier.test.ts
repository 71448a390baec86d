/**
 * Forcing a tier with `x-homeport-tier: cache | local | network | cloud`
 * (the Playground's "force a tier" control sends exactly this header). A real
 * engine (stories260K, the local tier), a cloud double behind a key (cloud)
 * and a second double as a self-hosted LAN server (network); the official
 * openai SDK sends the header as an app would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { putRouting, requestRecord } from '../support/routing.js';
import { startCloudDouble, type CloudDouble } from '../fixtures/cloud-double.js';
import type { RequestRecord } from '../../main/requests/types.js';

const KEY = 'sk-homeport-forced-tier-0123456789abcdef';
const ENV = 'HP_FORCED_TIER_TEST_KEY';

let t: TestEngine;
let cloud: CloudDouble;
let lan: CloudDouble;
let sdk: OpenAI;
let model: string;

const record = (id: string | null): Promise<RequestRecord> => requestRecord(t, id);

async function applyRouting(privacy: boolean): Promise<void> {
  const routing = {
    privacy,
    providers: {
      cloud: { baseUrl: cloud.baseUrl, kind: 'cloud', apiKeySecret: 'tier-key', apiKeyEnv: ENV },
      lan: { baseUrl: lan.baseUrl, kind: 'self-hosted', apiKeySecret: 'tier-key', apiKeyEnv: ENV },
    },
    routes: {
      tiers: { targets: [`local:${model}`, 'lan:qwen', 'cloud:gpt-test'], cache: { enabled: true }, retries: 0 },
      'local-and-lan': { targets: [`local:${model}`, 'lan:qwen'], cache: { enabled: false } },
    },
  };
  await putRouting(t, routing);
}

function post(body: Record<string, unknown>, headers: Record<string, string>): Promise<Response> {
  return fetch(`${t.engine.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

beforeAll(async () => {
  process.env[ENV] = KEY;
  cloud = await startCloudDouble({ key: KEY, answer: 'from the cloud double' });
  lan = await startCloudDouble({ key: KEY, answer: 'from the LAN double' });
  t = await startTestEngine({ tuning: { parallel: 2 } });
  model = t.modelId;
  sdk = new OpenAI({ baseURL: t.engine.baseUrl, apiKey: 'unused', maxRetries: 0 });
  await applyRouting(false);
}, 120_000);

afterAll(async () => {
  await t?.engine.stop();
  await cloud?.close();
  await lan?.close();
  delete process.env[ENV];
});

describe('x-homeport-tier', () => {
  it('cloud: only the cloud target is tried, and the trace says why the others were not', async () => {
    const { data, response } = await sdk.chat.completions
      .create({ model: 'tiers', temperature: 0, messages: [{ role: 'user', content: 'Once upon a time' }] }, { headers: { 'x-homeport-tier': 'cloud' } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('from the cloud double');
    expect(response.headers.get('x-homeport-route')).toBe('route=tiers; target=cloud:gpt-test; tier=cloud');
    expect(response.headers.get('x-homeport-cache')).toBe('bypass');
    const r = await record(response.headers.get('x-homeport-request-id'));
    expect(r.forcedTier).toBe('cloud');
    expect(r.finalTier).toBe('cloud');
    expect(r.attempts.map((a) => [a.target, a.outcome, a.reason])).toEqual([
      ['cache', 'bypass', 'cache not tried: tier forced to cloud'],
      [`local:${model}`, 'skipped', `local:${model} not tried: tier forced to cloud`],
      ['lan:qwen', 'skipped', 'lan:qwen not tried: tier forced to cloud'],
      ['cloud:gpt-test', 'answered', expect.stringContaining('cloud:gpt-test available')],
    ]);
  });

  it('local and network: the named tier answers although others could (case and spaces ignored)', async () => {
    const local = await sdk.chat.completions.create({ model: 'tiers', max_tokens: 4, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-homeport-tier': ' Local ' } }).withResponse();
    expect(local.response.headers.get('x-homeport-route')).toBe(`route=tiers; target=local:${model}; tier=local`);
    expect((await record(local.response.headers.get('x-homeport-request-id'))).forcedTier).toBe('local');
    const before = cloud.received.length;
    const network = await sdk.chat.completions.create({ model: 'tiers', messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-homeport-tier': 'network' } }).withResponse();
    expect(network.data.choices[0]?.message.content).toBe('from the LAN double');
    expect(network.response.headers.get('x-homeport-route')).toBe('route=tiers; target=lan:qwen; tier=network');
    expect(cloud.received.length).toBe(before);
  });

  it('cache: a stored answer is served; a miss is a 404 cache_miss and no target is called', async () => {
    const body = { model: 'tiers', temperature: 0, messages: [{ role: 'user' as const, content: `cache me ${Date.now()}` }] };
    // Stored by a normal request (answered by the local model).
    const first = await sdk.chat.completions.create(body).withResponse();
    expect(first.response.headers.get('x-homeport-cache')).toBe('miss');
    const hit = await sdk.chat.completions.create(body, { headers: { 'x-homeport-tier': 'cache' } }).withResponse();
    expect(hit.response.headers.get('x-homeport-cache')).toBe('hit');
    expect(hit.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
    expect((await record(hit.response.headers.get('x-homeport-request-id'))).forcedTier).toBe('cache');

    const calls = cloud.received.length + lan.received.length;
    const miss = await post({ ...body, messages: [{ role: 'user', content: `never stored ${Date.now()}` }] }, { 'x-homeport-tier': 'cache' });
    expect(miss.status).toBe(404);
    const error = ((await miss.json()) as { error: { code: string; type: string; param: string; message: string } }).error;
    expect(error).toMatchObject({ code: 'cache_miss', type: 'invalid_request_error', param: 'x-homeport-tier' });
    expect(error.message).toMatch(/^No cache entry matched this request \(no exact entry\)/);
    expect(cloud.received.length + lan.received.length).toBe(calls);
    const r = await record(miss.headers.get('x-homeport-request-id'));
    expect(r).toMatchObject({ forcedTier: 'cache', finalTier: null, status: 404 });
    expect(r.attempts.slice(1).map((a) => a.reason)).toEqual([`local:${model} not tried: tier forced to cache`, 'lan:qwen not tried: tier forced to cache', 'cloud:gpt-test not tried: tier forced to cache']);

    // The SDK sees OpenAI's shape: a NotFoundError carrying the message.
    await expect(sdk.chat.completions.create({ ...body, messages: [{ role: 'user', content: 'not stored either' }] }, { headers: { 'x-homeport-tier': 'cache' } })).rejects.toMatchObject({ status: 404, code: 'cache_miss' });
    // A request the cache may not read (sampled, no seed) is a miss with that reason.
    const sampled = await post({ model: 'tiers', temperature: 0.9, messages: [{ role: 'user', content: 'Hi' }] }, { 'x-homeport-tier': 'cache' });
    expect(sampled.status).toBe(404);
    expect(((await sampled.json()) as { error: { message: string } }).error.message).toContain('the cache was not read');
  });

  it('the Responses API passes the header on to the route', async () => {
    const before = cloud.received.length;
    const { data, response } = await sdk.responses.create({ model: 'tiers', input: 'Once upon a time' }, { headers: { 'x-homeport-tier': 'cloud' } }).withResponse();
    expect(data.output_text).toBe('from the cloud double');
    expect(response.headers.get('x-homeport-route')).toBe('route=tiers; target=cloud:gpt-test; tier=cloud');
    expect(cloud.received.length).toBe(before + 1);
  });

  it('an unknown value is a 400 naming the allowed values', async () => {
    const res = await post({ model: 'tiers', messages: [{ role: 'user', content: 'Hi' }] }, { 'x-homeport-tier': 'gpu' });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; param: string; message: string } }).error;
    expect(error).toMatchObject({ code: 'invalid_tier', param: 'x-homeport-tier' });
    expect(error.message).toBe('Unknown x-homeport-tier "gpu": use one of cache, local, network, cloud (or leave the header out to let the route decide).');
  });

  it('a route without a target of the forced tier is a 400 listing its targets', async () => {
    const res = await post({ model: 'local-and-lan', messages: [{ role: 'user', content: 'Hi' }] }, { 'x-homeport-tier': 'cloud' });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('no_target_in_tier');
    expect(error.message).toBe(`Route "local-and-lan" has no cloud target (its targets: local:${model} (local), lan:qwen (network)). Choose another x-homeport-tier, or leave it out.`);
  });

  it('a model name without a route answers only locally: a forced local tier is served, any other is a 400 and nothing is sent', async () => {
    const local = await post({ model, max_tokens: 4, messages: [{ role: 'user', content: 'Hi' }] }, { 'x-homeport-tier': 'local' });
    expect(local.status).toBe(200);
    expect(local.headers.get('x-homeport-route')).toContain(`model=${model}`);
    const before = cloud.received.length + lan.received.length;
    for (const tier of ['cloud', 'network', 'cache']) {
      const res = await post({ model, messages: [{ role: 'user', content: 'Hi' }] }, { 'x-homeport-tier': tier });
      expect(res.status).toBe(400);
      const error = ((await res.json()) as { error: { code: string; param: string; message: string } }).error;
      expect(error).toMatchObject({ code: 'no_target_in_tier', param: 'x-homeport-tier' });
      expect(error.message).toContain(`"${model}" has no route, so only its local model answers it (no ${tier} tier)`);
    }
    const bad = await post({ model, messages: [{ role: 'user', content: 'Hi' }] }, { 'x-homeport-tier': 'gpu' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_tier');
    expect(cloud.received.length + lan.received.length).toBe(before);
  });

  it('privacy mode still wins over a forced cloud tier: 503 naming privacy, nothing sent', async () => {
    await applyRouting(true);
    try {
      const before = cloud.received.length;
      const res = await post({ model: 'tiers', messages: [{ role: 'user', content: 'Hi' }] }, { 'x-homeport-tier': 'cloud' });
      expect(res.status).toBe(503);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('no_target_available');
      expect(error.message).toContain('(x-homeport-tier: cloud)');
      expect(error.message).toContain('cloud:gpt-test privacy mode: cloud is a cloud provider');
      expect(cloud.received.length).toBe(before);
      const r = await record(res.headers.get('x-homeport-request-id'));
      expect(r.forcedTier).toBe('cloud');
    } finally {
      await applyRouting(false);
    }
  });
});
