/**
 * The router end to end: a real engine (stories260K on the embedded runtime,
 * one slot) as the local tier and the cloud double (test/fixtures/cloud-double.ts,
 * a protocol double behind a bearer key) as the cloud, driven from outside by
 * the official openai SDK and plain fetch. Routes are set through
 * PUT /homeport/v1/routing, so each test also exercises applying config without
 * a restart. Every body, header and log line is kept to check that the key
 * never leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { startCloudDouble, type CloudDouble } from '../fixtures/cloud-double.js';
import { sseData } from '../support/sse.js';
import type { RequestRecord } from '../../main/requests/types.js';

const KEY = 'sk-homeport-router-test-0123456789abcdef';
const ENV = 'HP_ROUTER_TEST_CLOUD_KEY';

/** The parts of an answer or error the tests read. */
interface ChatJson {
  readonly error?: { readonly code: string; readonly message: string };
  readonly choices?: readonly { readonly message: { readonly content: string } }[];
}

let t: TestEngine;
let cloud: CloudDouble;
let model: string;
const seen: string[] = [];
const logLines: string[] = [];

async function control(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await t.controlFetch(path, { ...init, headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers]));
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

async function chat(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string; json: ChatJson }> {
  const res = await fetch(`${t.engine.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers]));
  let json: ChatJson = {};
  try {
    json = JSON.parse(text) as ChatJson;
  } catch {
    // a stream
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function record(id: string | null): Promise<RequestRecord> {
  expect(id).toBeTruthy();
  const { status, body } = await control(`/homeport/v1/requests/${id}`);
  expect(status).toBe(200);
  return body as RequestRecord;
}

function routing(overrides: { privacy?: boolean; budget?: number } = {}) {
  return {
    privacy: overrides.privacy ?? false,
    breaker: { failures: 3, cooldownMs: 300, maxCooldownMs: 2000 },
    providers: {
      cloud: { baseUrl: cloud.baseUrl, kind: 'cloud', apiKeySecret: 'cloud-key', apiKeyEnv: ENV, prices: { 'gpt-test': { inputPerMTok: 1, outputPerMTok: 2 } }, contextTokens: { 'gpt-test': 100_000 } },
      budgeted: { baseUrl: cloud.baseUrl, kind: 'cloud', apiKeySecret: 'cloud-key', apiKeyEnv: ENV, prices: { 'gpt-pricey': { inputPerMTok: 1000, outputPerMTok: 1000 } }, dailyBudgetUsd: overrides.budget ?? 0.001 },
      flaky: { baseUrl: cloud.baseUrl, kind: 'cloud', apiKeySecret: 'cloud-key', apiKeyEnv: ENV },
    },
    routes: {
      chat: { targets: [`local:${model}`, 'cloud:gpt-test'], maxQueueWaitMs: 0, cache: { enabled: false } },
      cached: { targets: ['cloud:gpt-test'], policy: 'cloud-only', cache: { enabled: true } },
      'cloud-only': { targets: [`local:${model}`, 'cloud:gpt-test'], policy: 'cloud-only', cache: { enabled: false }, retries: 1 },
      'local-only': { targets: [model, 'cloud:gpt-test'], policy: 'local-only', cache: { enabled: false } },
      budget: { targets: ['budgeted:gpt-pricey'], cache: { enabled: false }, retries: 0 },
      flaky: { targets: ['flaky:gpt-flaky'], cache: { enabled: false }, retries: 0, firstByteTimeoutMs: 300 },
    },
  };
}

async function applyRouting(overrides: { privacy?: boolean; budget?: number } = {}): Promise<void> {
  const { status, body } = await control('/homeport/v1/routing', { method: 'PUT', body: JSON.stringify(routing(overrides)) });
  expect(status, JSON.stringify(body)).toBe(200);
}

beforeAll(async () => {
  process.env[ENV] = KEY;
  cloud = await startCloudDouble({ key: KEY });
  t = await startTestEngine({ tuning: { parallel: 1 }, log: (line) => logLines.push(line) });
  model = t.modelId;
  await applyRouting();
}, 120_000);

afterAll(async () => {
  await t?.engine.stop();
  await cloud?.close();
  delete process.env[ENV];
});

describe('routes and the local tier', () => {
  it('answers a routed model from the local runtime through the openai SDK, with route, request id, timing and a record', async () => {
    const sdk = new OpenAI({ baseURL: t.engine.baseUrl, apiKey: 'unused', maxRetries: 0 });
    const { data, response } = await sdk.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8 }).withResponse();
    expect(data.choices[0]?.message.content).toBeTypeOf('string');
    // A local answer carries the name the app asked for, streamed or not.
    expect(data.model).toBe('chat');
    const stream = await sdk.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 4, stream: true });
    const models = new Set<string>();
    for await (const chunk of stream) models.add(chunk.model);
    expect([...models]).toEqual(['chat']);
    expect(response.headers.get('x-homeport-route')).toBe(`route=chat; target=local:${model}; tier=local`);
    expect(response.headers.get('server-timing')).toMatch(/routing;dur=[\d.]+, upstream;dur=[\d.]+/);
    expect(response.headers.get('x-homeport-cache')).toBe('off');
    const r = await record(response.headers.get('x-homeport-request-id'));
    expect(r).toMatchObject({ route: 'chat', model: 'chat', finalTier: 'local', finalTarget: `local:${model}`, status: 200, phase: 'done' });
    expect(r.attempts.at(-1)).toMatchObject({ target: `local:${model}`, outcome: 'answered' });
    expect(r.completionTokens).toBeGreaterThan(0);
  });

  it('keeps today\'s behaviour for a model name without a route, and still records it', async () => {
    const res = await chat({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-homeport-route')).toMatch(/^local; runtime=embedded:/);
    // Its engine timings too, in the answer and in its record, streamed or not.
    expect(res.headers.get('server-timing')).toMatch(/^routing;dur=[\d.]+, upstream;dur=[\d.]+$/);
    const r = await record(res.headers.get('x-homeport-request-id'));
    expect(r).toMatchObject({ route: null, finalTier: 'local', status: 200 });
    expect(r.timing?.upstreamMs).toBeGreaterThan(0);
    expect(r.timing?.routingMs).toBeGreaterThanOrEqual(0);
    const streamed = await chat({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, stream: true });
    expect(streamed.headers.get('server-timing')).toMatch(/^routing;dur=[\d.]+, upstream;dur=[\d.]+$/);
    expect((await record(streamed.headers.get('x-homeport-request-id'))).timing?.upstreamMs).toBeGreaterThan(0);
  });

  it('local-only never leaves the machine; cloud-only never uses the local model', async () => {
    const local = await chat({ model: 'local-only', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
    expect(local.headers.get('x-homeport-route')).toContain('tier=local');
    const before = cloud.received.length;
    const remote = await chat({ model: 'cloud-only', messages: [{ role: 'user', content: 'Hi' }] });
    expect(remote.status).toBe(200);
    expect(remote.headers.get('x-homeport-route')).toBe('route=cloud-only; target=cloud:gpt-test; tier=cloud');
    expect(cloud.received.slice(before)).toEqual([{ model: 'gpt-test', stream: false, authorized: true, includeUsage: false }]);
    const r = await record(remote.headers.get('x-homeport-request-id'));
    expect(r.costUsd).toBeGreaterThan(0);
  });
});

describe('burst to the cloud', () => {
  it('sends the next request to the cloud with a busy reason while the only local slot is taken', async () => {
    // A long local stream holds the one slot...
    const first = await fetch(`${t.engine.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', stream: true, max_tokens: 400, messages: [{ role: 'user', content: 'Tell me a long story' }] }),
    });
    expect(first.headers.get('x-homeport-route')).toContain('tier=local');
    // ...so the next one bursts.
    const second = await chat({ model: 'chat', messages: [{ role: 'user', content: 'Hi' }] });
    await first.text();
    expect(second.status).toBe(200);
    expect(second.headers.get('x-homeport-route')).toContain('target=cloud:gpt-test; tier=cloud');
    const r = await record(second.headers.get('x-homeport-request-id'));
    expect(r.attempts[0]).toMatchObject({ target: `local:${model}`, outcome: 'skipped' });
    expect(r.attempts[0]?.reason).toMatch(/busy: 1\/1 slots, predicted wait [\d.]+ s > 0\.0 s/);
    expect(r.finalTier).toBe('cloud');
  });

  it('goes to the cloud with an offline reason when the local runtime is stopped', async () => {
    const runtime = t.engine.runtimes[0]!;
    await runtime.stop();
    try {
      const res = await chat({ model: 'chat', messages: [{ role: 'user', content: 'Hi' }] });
      expect(res.headers.get('x-homeport-route')).toContain('tier=cloud');
      const r = await record(res.headers.get('x-homeport-request-id'));
      expect(r.attempts[0]?.reason).toMatch(/offline: not ready within 0\.0 s/);
    } finally {
      await runtime.ensureReady({ deadlineMs: 60_000 });
    }
  });

  it('answers 503 naming every target when privacy mode forbids the cloud', async () => {
    await applyRouting({ privacy: true });
    try {
      const res = await chat({ model: 'cloud-only', messages: [{ role: 'user', content: 'Hi' }] });
      expect(res.status).toBe(503);
      expect(res.json.error?.code).toBe('no_target_available');
      expect(res.json.error?.message).toContain('cloud:gpt-test privacy mode: cloud is a cloud provider');
    } finally {
      await applyRouting();
    }
  });

  it('skips a provider whose daily budget is reached', async () => {
    await applyRouting({ budget: 0.001 });
    const first = await chat({ model: 'budget', messages: [{ role: 'user', content: 'Hi' }] });
    expect(first.status).toBe(200);
    const second = await chat({ model: 'budget', messages: [{ role: 'user', content: 'Hi' }] });
    expect(second.status).toBe(503);
    expect(second.json.error?.message).toMatch(/budgeted:gpt-pricey daily budget reached: \$[\d.]+ spent of \$0\.00/);
    const { body } = await control('/homeport/v1/providers');
    const budgeted = (body as { data: { name: string; budgetLeftUsd: number; spentTodayUsd: number }[] }).data.find((p) => p.name === 'budgeted');
    expect(budgeted?.budgetLeftUsd).toBe(0);
    expect(budgeted?.spentTodayUsd).toBeGreaterThan(0.001);
  });
});

describe('self-hosted providers', () => {
  it('reads a LAN server\'s load from its /metrics and skips it as busy; privacy mode keeps it', async () => {
    const lan = await startCloudDouble({ key: KEY });
    try {
      const config = routing({ privacy: true });
      const section = {
        ...config,
        providers: { ...config.providers, lan: { baseUrl: lan.baseUrl, kind: 'self-hosted', apiKeySecret: 'cloud-key', apiKeyEnv: ENV, parallel: 1 } },
        routes: { ...config.routes, 'lan-route': { targets: ['lan:qwen', 'cloud:gpt-test'], maxQueueWaitMs: 0, cache: { enabled: false } } },
      };
      lan.setLoad({ running: 1, waiting: 3 });
      expect((await control('/homeport/v1/routing', { method: 'PUT', body: JSON.stringify(section) })).status).toBe(200);
      // Applying the config starts a health round; wait for its result.
      let provider: { health: { ok: boolean } | null; load: { waiting: number } | null } | undefined;
      for (let i = 0; i < 50 && !provider?.load; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const { body } = await control('/homeport/v1/providers');
        provider = (body as { data: { name: string; health: { ok: boolean } | null; load: { waiting: number } | null }[] }).data.find((p) => p.name === 'lan');
      }
      expect(provider).toMatchObject({ health: { ok: true }, load: { running: 1, waiting: 3, source: 'vllm' } });
      lan.setLoad({ running: 0, waiting: 0 });
      const res = await chat({ model: 'lan-route', messages: [{ role: 'user', content: 'Hi' }] });
      // Busy as last read, and the cloud is forbidden by privacy: with nothing else left it queues at the LAN server.
      expect(res.status).toBe(200);
      expect(res.headers.get('x-homeport-route')).toBe('route=lan-route; target=lan:qwen; tier=network');
      const r = await record(res.headers.get('x-homeport-request-id'));
      expect(r.attempts.map((a) => a.target)).toEqual(['lan:qwen']);
      expect(r.attempts[0]?.reason).toMatch(/busy: 1 running, 3 waiting \(vllm\), predicted wait 4\.0 s > 0\.0 s, assuming 1 s per request; queued anyway/);
    } finally {
      await applyRouting();
      await lan.close();
    }
  });
});

describe('failures', () => {
  it('retries a 5xx before the first byte, then answers', async () => {
    cloud.script({ kind: 'status', status: 502 });
    const res = await chat({ model: 'cloud-only', messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.status).toBe(200);
    const r = await record(res.headers.get('x-homeport-request-id'));
    expect(r.attempts.at(-1)).toMatchObject({ outcome: 'answered', tries: 2 });
  });

  it('returns a 400 as is, without retry or failover, and without the key it echoed', async () => {
    const before = cloud.received.length;
    cloud.script({ kind: 'status', status: 400, message: 'Bad parameter.', echoKey: true });
    const res = await chat({ model: 'cloud-only', messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain('Bad parameter.');
    expect(res.text).not.toContain(KEY);
    expect(cloud.received.length - before).toBe(1);
  });

  it('opens the circuit after 3 failures, skips the target, then closes it after a good probe', async () => {
    cloud.script({ kind: 'status', status: 500 }, { kind: 'hang' }, { kind: 'status', status: 503 });
    for (let i = 0; i < 3; i++) {
      const res = await chat({ model: 'flaky', messages: [{ role: 'user', content: 'Hi' }] });
      expect(res.status).toBe(503);
      expect(res.json.error?.message).toMatch(/flaky:gpt-flaky (answered 50[03]|timed out)/);
    }
    const before = cloud.received.length;
    const skipped = await chat({ model: 'flaky', messages: [{ role: 'user', content: 'Hi' }] });
    expect(skipped.status).toBe(503);
    expect(skipped.json.error?.message).toMatch(/circuit open after 3 failures/);
    expect(cloud.received.length).toBe(before);
    await new Promise((r) => setTimeout(r, 350));
    const probe = await chat({ model: 'flaky', messages: [{ role: 'user', content: 'Hi' }] });
    expect(probe.status).toBe(200);
    const { body } = await control('/homeport/v1/providers');
    const flaky = (body as { data: { name: string; breakers: Record<string, { state: string }> }[] }).data.find((p) => p.name === 'flaky');
    expect(flaky?.breakers['flaky:gpt-flaky']?.state).toBe('closed');
  });

  it('ends a stream killed mid-way with an error event, no [DONE], and caches nothing', async () => {
    const body = { model: 'cached', stream: true, temperature: 0, messages: [{ role: 'user', content: 'A stream to break' }] };
    cloud.script({ kind: 'kill-mid-stream', afterChunks: 2 });
    const res = await fetch(`${t.engine.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const events: string[] = [];
    for await (const data of sseData(res.body!)) events.push(data);
    seen.push(events.join('\n'));
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1)!).error.code).toBe('upstream_disconnected');
    const again = await chat({ ...body, stream: false });
    expect(again.headers.get('x-homeport-cache')).toBe('miss');
    const r = await record(res.headers.get('x-homeport-request-id'));
    expect(r.attempts.at(-1)?.outcome).toBe('broken');
  });

  it('a prompt too long for the local context goes to the bigger-context target; local-only answers 400 context_length_exceeded', async () => {
    const long = 'Once upon a time there was a little dog who liked to run in the park. '.repeat(60);
    const res = await chat({ model: 'chat', messages: [{ role: 'user', content: long }], max_tokens: 4 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-homeport-route')).toContain('tier=cloud');
    const r = await record(res.headers.get('x-homeport-request-id'));
    expect(r.attempts[0]).toMatchObject({ target: `local:${model}`, outcome: 'skipped' });
    expect(r.attempts[0]?.reason).toMatch(/context too small/);
    const localOnly = await chat({ model: 'local-only', messages: [{ role: 'user', content: long }], max_tokens: 4 });
    expect(localOnly.status).toBe(400);
    expect(localOnly.json.error?.code).toBe('context_length_exceeded');
    expect(localOnly.json.error?.message).toMatch(/largest context is 512 tokens/);
  });
});

describe('cache through the router', () => {
  it('a repeated request is a hit, as JSON and as a stream, with the hit in the record', async () => {
    const body = { model: 'cached', temperature: 0, messages: [{ role: 'user', content: `cache me ${Date.now()}` }] };
    const miss = await chat(body);
    expect(miss.headers.get('x-homeport-cache')).toBe('miss');
    const hit = await chat(body);
    expect(hit.headers.get('x-homeport-cache')).toBe('hit');
    expect(hit.json.choices?.[0]?.message.content).toBe(miss.json.choices?.[0]?.message.content);
    const r = await record(hit.headers.get('x-homeport-request-id'));
    expect(r).toMatchObject({ finalTier: 'cache', cache: { result: 'hit' } });
    const stream = await fetch(`${t.engine.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true }) });
    expect(stream.headers.get('x-homeport-cache')).toBe('hit');
    const events: string[] = [];
    for await (const data of sseData(stream.body!)) events.push(data);
    expect(events.at(-1)).toBe('[DONE]');
    const bypass = await chat(body, { 'cache-control': 'no-cache' });
    expect(bypass.headers.get('x-homeport-cache')).toBe('bypass');
  });
});

describe('control API', () => {
  it('GET /routing shows whether the key is set, never the key; a bad PUT is a 400 naming the field', async () => {
    const { body } = await control('/homeport/v1/routing');
    const providers = (body as { providers: Record<string, { apiKey: { set: boolean; source: string } }> }).providers;
    expect(providers.cloud?.apiKey).toMatchObject({ set: true, source: 'env' });
    const bad = await control('/homeport/v1/routing', { method: 'PUT', body: JSON.stringify({ ...routing(), routes: { x: { targets: ['nowhere:model'] } } }) });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { param: string; message: string } }).error.param).toBe('routes.x.targets.0');
    // The round trip of what GET returned is accepted.
    const again = await control('/homeport/v1/routing', { method: 'PUT', body: JSON.stringify(body) });
    expect(again.status).toBe(200);
  });

  it('lists requests with filters and per-day totals', async () => {
    const { body } = await control('/homeport/v1/requests?tier=cloud&limit=5');
    const records = (body as { records: RequestRecord[] }).records;
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.finalTier === 'cloud')).toBe(true);
    const totals = await control('/homeport/v1/requests/totals?days=2');
    const days = (totals.body as { days: { requests: number; cloudSpendUsd: number; byTier: Record<string, unknown> }[] }).days;
    expect(days).toHaveLength(2);
    expect(days[1]!.requests).toBeGreaterThan(0);
    expect(days[1]!.cloudSpendUsd).toBeGreaterThan(0);
    expect(days[1]!.byTier.local).toBeDefined();
  });

  it('streams request events live', async () => {
    const res = await t.controlFetch('/homeport/v1/requests/events');
    const reader = sseData(res.body!);
    const types: string[] = [];
    const done = (async () => {
      for await (const data of reader) {
        const parsed = JSON.parse(data) as { id?: string; phase?: string; status?: number };
        types.push(parsed.status !== undefined && parsed.phase === 'done' ? 'finished' : 'other');
        if (types.includes('finished')) return;
      }
    })();
    await chat({ model: 'chat', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
    await done;
    expect(types).toContain('finished');
  });

  it('secrets are write-only through the engine API', async () => {
    const value = 'sk-written-through-the-api-0123456789';
    expect((await control('/homeport/v1/secrets/groq', { method: 'PUT', body: JSON.stringify({ value }) })).status).toBe(204);
    const { body } = await control('/homeport/v1/secrets');
    const list = (body as { data: { name: string; set: boolean; source?: string }[] }).data;
    expect(list.find((s) => s.name === 'groq')).toMatchObject({ set: true, source: 'store' });
    expect(list.find((s) => s.name === 'cloud-key')).toMatchObject({ set: true, source: 'env' });
    expect((await control('/homeport/v1/secrets/groq', { method: 'DELETE' })).status).toBe(204);
    expect((await control('/homeport/v1/secrets/groq', { method: 'DELETE' })).status).toBe(404);
    expect(seen.join('\n')).not.toContain(value);
  });

  it('the key never appears in any output', async () => {
    const { body } = await control('/homeport/v1/requests?limit=1000');
    seen.push(JSON.stringify(body));
    await control('/homeport/v1/providers');
    await control('/homeport/v1/secrets');
    for (const text of [...seen, ...logLines]) expect(text).not.toContain(KEY);
  });
});
