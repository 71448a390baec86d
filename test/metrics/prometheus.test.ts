import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { createPrometheusMetrics } from '../../main/metrics/prometheus.js';
import { RequestLog } from '../../main/requests/request-log.js';
import { RequestStore } from '../../main/requests/request-store.js';
import type { RequestRecord } from '../../main/requests/types.js';
import type { Decision } from '../../main/lifecycle/decisions.js';
import { parsePrometheusText, sampleValue, type Family } from './prometheus-text.js';

function record(over: Partial<RequestRecord>): RequestRecord {
  return {
    id: 'req_1', time: Date.now(), client: 'test', route: null, model: 'm', endpoint: 'chat.completions', stream: false, phase: 'done',
    attempts: [], finalTier: 'local', finalTarget: 'local:m', cache: { result: 'miss' }, ttftMs: 12, durationMs: 40,
    promptTokens: 5, completionTokens: 7, decodeTokPerSec: 100, costUsd: 0, savedUsd: 0, status: 200, ...over,
  };
}

describe('Prometheus metrics from request records and decisions', () => {
  it('counts requests, tokens, cache results, spend and lifecycle events, and the text parses strictly', async () => {
    const listeners: ((r: RequestRecord) => void)[] = [];
    const decisionListeners: ((d: Decision) => void)[] = [];
    const prom = createPrometheusMetrics({
      requests: { subscribeFinished: (l) => (listeners.push(l), () => undefined) },
      subscribeDecisions: (l) => (decisionListeners.push(l), () => undefined),
      runtimes: () => [],
      models: () => [],
      cacheStats: () => ({ hits: 1, misses: 2, entries: 3, bytes: 4096, byRoute: {} }),
    });
    const finish = (r: RequestRecord) => listeners.forEach((l) => l(r));
    finish(record({}));
    finish(record({ cache: { result: 'hit' }, finalTier: 'cache', ttftMs: 1, decodeTokPerSec: null }));
    finish(record({ model: 'gpt', finalTier: 'cloud', costUsd: 0.25, cache: { result: 'bypass' } }));
    finish(record({ model: 'gpt', finalTier: 'cloud', costUsd: 0.5, cache: { result: 'bypass' } }));
    finish(record({ model: 'nope', finalTier: null, status: 404, ttftMs: null, promptTokens: null, completionTokens: null, decodeTokPerSec: null }));
    decisionListeners.forEach((l) => l({ at: 0, kind: 'load', model: 'm', reason: 'r', details: {} }));
    decisionListeners.forEach((l) => l({ at: 0, kind: 'unload-idle', model: 'm', reason: 'r', details: {} }));

    const { contentType, text } = await prom.scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const f = parsePrometheusText(text);
    expect(f.get('homeport_requests_total')?.type).toBe('counter');
    expect(sampleValue(f, 'homeport_requests_total', { tier: 'local', model: 'm', status: '200' })).toBe(1);
    expect(sampleValue(f, 'homeport_requests_total', { tier: 'cache', model: 'm', status: '200' })).toBe(1);
    expect(sampleValue(f, 'homeport_requests_total', { tier: 'cloud', model: 'gpt', status: '200' })).toBe(2);
    expect(sampleValue(f, 'homeport_requests_total', { tier: 'none', model: 'nope', status: '404' })).toBe(1);
    expect(sampleValue(f, 'homeport_cloud_spend_usd_total', { tier: 'cloud', model: 'gpt' })).toBeCloseTo(0.75, 10);
    expect(sampleValue(f, 'homeport_cache_requests_total', { result: 'hit' })).toBe(1);
    expect(sampleValue(f, 'homeport_cache_requests_total', { result: 'miss' })).toBe(2);
    expect(sampleValue(f, 'homeport_cache_entries')).toBe(3);
    expect(sampleValue(f, 'homeport_completion_tokens_total', { tier: 'cloud', model: 'gpt' })).toBe(14);
    expect(sampleValue(f, 'homeport_time_to_first_token_seconds_count', { tier: 'local', model: 'm' })).toBe(1);
    expect(sampleValue(f, 'homeport_time_to_first_token_seconds_sum', { tier: 'local', model: 'm' })).toBeCloseTo(0.012, 10);
    expect(sampleValue(f, 'homeport_decode_tokens_per_second_count', { tier: 'cache', model: 'm' })).toBe(0);
    expect(sampleValue(f, 'homeport_model_lifecycle_events_total', { model: 'm', kind: 'load' })).toBe(1);
    expect(sampleValue(f, 'homeport_model_lifecycle_events_total', { model: 'm', kind: 'unload-idle' })).toBe(1);
    prom.close();
  });

  it('follows a real request log through its finished-only subscription, which leaves the log unwatched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'homeport-prom-'));
    const log = new RequestLog({ store: new RequestStore({ file: join(dir, 'requests.sqlite') }) });
    const prom = createPrometheusMetrics({ requests: log, runtimes: () => [], models: () => [] });
    try {
      // Metrics alone do not make the log build live (started/phase) events.
      expect(log.watched).toBe(false);
      for (const tier of ['local', 'local', 'cloud'] as const) {
        const trace = log.begin({ client: 'c', route: 'chat', model: 'chat', endpoint: 'chat.completions', stream: true });
        trace.serving(`${tier}:m`, tier);
        trace.firstToken();
        trace.tokens(4);
        const before = sampleValue(parsePrometheusText((await prom.scrape()).text), 'homeport_requests_total', { tier, model: 'chat', status: '200' });
        trace.finish({ status: 200, usage: { prompt_tokens: 3, completion_tokens: 4 } });
        const after = parsePrometheusText((await prom.scrape()).text);
        expect(sampleValue(after, 'homeport_requests_total', { tier, model: 'chat', status: '200' })).toBe(before + 1);
      }
      const f = parsePrometheusText((await prom.scrape()).text);
      expect(sampleValue(f, 'homeport_completion_tokens_total', { tier: 'local', model: 'chat' })).toBe(8);
      expect(sampleValue(f, 'homeport_requests_total', { tier: 'cloud', model: 'chat', status: '200' })).toBe(1);
      // After close, finished records no longer move the counters.
      prom.close();
      const trace = log.begin({ client: 'c', route: null, model: 'chat', endpoint: 'chat.completions', stream: false });
      trace.serving('local:m', 'local');
      trace.finish({ status: 200 });
      expect(sampleValue(parsePrometheusText((await prom.scrape()).text), 'homeport_requests_total', { tier: 'local', model: 'chat', status: '200' })).toBe(2);
    } finally {
      log.close();
    }
  });

  it('the test parser rejects what the format forbids', () => {
    expect(() => parsePrometheusText('x 1\n')).toThrow(/without a TYPE/);
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheusText('# TYPE x counter\nx one\n')).toThrow(/bad value/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
    expect(() => parsePrometheusText('# TYPE x counter\nx 1')).toThrow(/newline/);
  });
});

describe('GET /metrics on a real engine', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  }, 90_000);
  afterAll(async () => {
    await t?.engine.stop();
  });

  async function scrape(): Promise<Map<string, Family>> {
    const res = await fetch(`${t.origin}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  }

  /** Records are written as the answer ends; scrape until `check` holds (bounded). */
  async function scrapeUntil(check: (f: Map<string, Family>) => boolean): Promise<Map<string, Family>> {
    let f = await scrape();
    for (let i = 0; i < 100 && !check(f); i++) {
      await sleep(50);
      f = await scrape();
    }
    return f;
  }

  it('counters and histograms move with real traffic; runtime gauges describe the runtime', async () => {
    const model = t.modelId;
    const local = { tier: 'local', model, status: '200' };
    const before = await scrape();
    const requestsBefore = sampleValue(before, 'homeport_requests_total', local);
    const completionBefore = sampleValue(before, 'homeport_completion_tokens_total', { tier: 'local', model });
    const durationsBefore = sampleValue(before, 'homeport_request_duration_seconds_count', { tier: 'local', model });

    const plain = await t.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0 });
    const stream = await t.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Lily' }], max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let streamed = 0;
    for await (const chunk of stream) if (chunk.usage) streamed = chunk.usage.completion_tokens;
    const expectedTokens = (plain.usage?.completion_tokens ?? 0) + streamed;
    expect(expectedTokens).toBeGreaterThan(0);

    const after = await scrapeUntil((f) => sampleValue(f, 'homeport_requests_total', local) >= requestsBefore + 2);
    expect(sampleValue(after, 'homeport_requests_total', local)).toBe(requestsBefore + 2);
    expect(sampleValue(after, 'homeport_completion_tokens_total', { tier: 'local', model })).toBe(completionBefore + expectedTokens);
    expect(sampleValue(after, 'homeport_request_duration_seconds_count', { tier: 'local', model })).toBe(durationsBefore + 2);
    expect(sampleValue(after, 'homeport_time_to_first_token_seconds_count', { tier: 'local', model })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'homeport_prompt_tokens_total', { tier: 'local', model })).toBeGreaterThan(0);

    const runtime = `embedded:${model}`;
    expect(sampleValue(after, 'homeport_runtime_state', { runtime, state: 'ready' })).toBe(1);
    expect(sampleValue(after, 'homeport_runtime_state', { runtime, state: 'failed' })).toBe(0);
    expect(sampleValue(after, 'homeport_runtime_restarts', { runtime })).toBe(0);
    expect(sampleValue(after, 'homeport_runtime_in_flight', { runtime })).toBe(0);
    expect(sampleValue(after, 'homeport_runtime_queued', { runtime })).toBe(0);
    expect(sampleValue(after, 'homeport_model_lifecycle_events_total', { model, kind: 'load' })).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

describe('GET /metrics once app keys exist', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  }, 90_000);
  afterAll(async () => {
    await t?.engine.stop();
  });

  it('needs a key like /v1, and answers with one', async () => {
    expect((await fetch(`${t.origin}/metrics`)).status).toBe(200);
    const created = await t.controlFetch('/homeport/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'grafana' }) });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const without = await fetch(`${t.origin}/metrics`);
    expect(without.status).toBe(401);
    await without.text();
    const withKey = await fetch(`${t.origin}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(withKey.status).toBe(200);
    const text = await withKey.text();
    expect(text).not.toContain(key);
    expect(parsePrometheusText(text).has('homeport_requests_total')).toBe(true);
  }, 30_000);
});
