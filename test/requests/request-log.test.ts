import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RequestLog, type RequestEvent } from '../../main/requests/request-log.js';
import { RequestStore, dayOf } from '../../main/requests/request-store.js';
import type { RequestRecord, Tier } from '../../main/requests/types.js';

async function tempFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'homeport-requests-')), 'requests.sqlite');
}

describe('request log', () => {
  it('records phases, attempts and tokens, and emits started/phase/finished', async () => {
    const log = new RequestLog({ store: new RequestStore({ file: await tempFile() }) });
    const events: RequestEvent[] = [];
    log.subscribe((e) => events.push(e));
    const trace = log.begin({ client: 'test-agent', route: 'chat', model: 'chat', endpoint: 'chat.completions', stream: true });
    trace.attempt({ target: 'local:a', tier: 'local', outcome: 'skipped', reason: 'local:a busy: 4/4 slots, predicted wait 6.1 s > 2.0 s' });
    trace.serving('cloud:b', 'cloud');
    trace.setPhase('prefill');
    trace.firstToken();
    trace.tokens(3);
    expect(log.inFlight().map((r) => r.id)).toEqual([trace.id]);
    const record = trace.finish({ status: 200, usage: { prompt_tokens: 5, completion_tokens: 3 }, costUsd: 0.01 });
    expect(record).toMatchObject({ route: 'chat', finalTier: 'cloud', finalTarget: 'cloud:b', phase: 'done', promptTokens: 5, completionTokens: 3, costUsd: 0.01, status: 200 });
    // prefill, generating, then tokens so far (throttled to a few a second)
    expect(events.map((e) => e.type)).toEqual(['started', 'phase', 'phase', 'phase', 'finished']);
    expect(log.inFlight()).toEqual([]);
    expect(log.get(trace.id)?.attempts[0]?.reason).toContain('busy');
    log.close();
  });

  it('gives a decode speed to a streamed answer that was generated, not to a cache hit replaying one', async () => {
    const log = new RequestLog({ store: new RequestStore({ file: await tempFile() }) });
    const streamed = (tier: Tier) => {
      const trace = log.begin({ client: 'c', route: 'chat', model: 'chat', endpoint: 'chat.completions', stream: true });
      trace.serving(tier === 'cache' ? 'cache' : 'local:a', tier);
      trace.firstToken();
      trace.tokens(40);
      const until = performance.now() + 5;
      while (performance.now() < until); // the answer takes a moment after its first token
      return trace.finish({ status: 200, usage: { prompt_tokens: 5, completion_tokens: 40 } });
    };
    expect(streamed('local').decodeTokPerSec).toBeGreaterThan(0);
    expect(streamed('cache').decodeTokPerSec).toBeNull();
    log.close();
  });

  it("gives a whole (non-streamed) answer the decode speed its runtime reported, and none when it reported none", async () => {
    const log = new RequestLog({ store: new RequestStore({ file: await tempFile() }) });
    const whole = (usage: { prompt_tokens: number; completion_tokens: number; completion_time?: number }, tier: Tier = 'local') => {
      const trace = log.begin({ client: 'c', route: null, model: 'm', endpoint: 'chat.completions', stream: false });
      trace.serving(tier === 'cache' ? 'cache' : 'local:a', tier);
      trace.firstToken();
      return trace.finish({ status: 200, usage });
    };
    // 41 tokens: 40 after the first, in 0.5 s.
    expect(whole({ prompt_tokens: 5, completion_tokens: 41, completion_time: 0.5 }).decodeTokPerSec).toBe(80);
    expect(whole({ prompt_tokens: 5, completion_tokens: 41 }).decodeTokPerSec).toBeNull();
    expect(whole({ prompt_tokens: 5, completion_tokens: 41, completion_time: 0.5 }, 'cache').decodeTokPerSec).toBeNull();
    log.close();
  });

  it('a finished-only subscriber gets each finished record once and does not make the log watched', async () => {
    const log = new RequestLog({ store: new RequestStore({ file: await tempFile() }) });
    const finished: string[] = [];
    const off = log.subscribeFinished((r) => finished.push(`${r.id} ${r.status}`));
    expect(log.watched).toBe(false);
    const trace = log.begin({ client: 'c', route: 'chat', model: 'chat', endpoint: 'chat.completions', stream: true });
    trace.firstToken();
    trace.tokens(5);
    expect(finished).toEqual([]);
    trace.finish({ status: 200 });
    trace.finish({ status: 500 });
    expect(finished).toEqual([`${trace.id} 200`]);
    // A throwing subscriber breaks neither the request nor the other subscribers.
    log.subscribeFinished(() => {
      throw new Error('boom');
    });
    off();
    const all: RequestEvent[] = [];
    log.subscribe((e) => all.push(e));
    expect(log.watched).toBe(true);
    const second = log.begin({ client: 'c', route: null, model: 'm', endpoint: 'embeddings', stream: false });
    expect(second.finish({ status: 200 }).status).toBe(200);
    expect(finished).toHaveLength(1);
    expect(all.map((e) => e.type)).toEqual(['started', 'finished']);
    log.close();
  });

  it('keeps only the newest records, filters them, and keeps daily totals beyond the bound', async () => {
    const store = new RequestStore({ file: await tempFile(), maxRecords: 5 });
    const log = new RequestLog({ store });
    for (let i = 0; i < 8; i++) {
      const trace = log.begin({ client: 'c', route: null, model: i % 2 ? 'a' : 'b', endpoint: 'chat.completions', stream: false });
      trace.serving(i % 2 ? 'local:a' : 'cloud:b', i % 2 ? 'local' : 'cloud');
      trace.finish({ status: 200, usage: { prompt_tokens: 1, completion_tokens: 2 }, costUsd: i % 2 ? 0 : 0.5, savedUsd: i % 2 ? 0.25 : 0 });
    }
    expect(store.count()).toBe(5);
    expect(log.query({ tier: 'local' }).every((r) => r.finalTier === 'local')).toBe(true);
    expect(log.query({ model: 'b', limit: 2 })).toHaveLength(2);
    const [today] = log.totals(1);
    expect(today).toMatchObject({ day: dayOf(Date.now()), requests: 8, cloudSpendUsd: 2, savedUsd: 1 });
    expect(today?.byTier.local).toEqual({ requests: 4, promptTokens: 4, completionTokens: 8 });
    expect(store.providerSpend().get('cloud')).toBe(2);
    log.close();
  });

  it('sums each batch per day, tier and provider: records on both sides of midnight, over two batches', async () => {
    const store = new RequestStore({ file: await tempFile(), flushEveryMs: 60_000 });
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const today = midnight.getTime() + 60_000;
    const yesterday = midnight.getTime() - 60_000;
    let n = 0;
    const record = (time: number, tier: Tier | null, target: string | null, status: number, costUsd: number): RequestRecord => ({
      id: `req_batch_${++n}`, time, client: 'c', route: 'r', model: 'm', endpoint: 'chat.completions', stream: false, phase: 'done', attempts: [],
      finalTier: tier, finalTarget: target, cache: { result: 'off' }, ttftMs: 1, durationMs: 2, promptTokens: 3, completionTokens: 4,
      decodeTokPerSec: null, costUsd, savedUsd: tier === 'local' ? 0.5 : 0, status,
    });
    store.add(record(yesterday, 'cloud', 'openai:gpt', 200, 1));
    store.add(record(today, 'cloud', 'openai:gpt', 200, 2));
    store.add(record(today, 'local', 'local:m', 200, 0));
    store.add(record(today, 'cloud', 'groq:llama', 200, 0.25));
    store.add(record(today, null, null, 503, 0));
    store.flush();
    store.add(record(today, 'cloud', 'openai:gpt', 500, 4));
    store.add(record(yesterday, 'local', 'local:m', 200, 0));
    const [before, now] = store.totals(2, today);
    expect(before).toMatchObject({ day: dayOf(yesterday), requests: 2, cloudSpendUsd: 1, savedUsd: 0.5, errors: 0 });
    expect(before?.byTier).toEqual({ cloud: { requests: 1, promptTokens: 3, completionTokens: 4 }, local: { requests: 1, promptTokens: 3, completionTokens: 4 } });
    expect(now).toMatchObject({ day: dayOf(today), requests: 5, cloudSpendUsd: 6.25, savedUsd: 0.5, errors: 2 });
    expect(now?.byTier).toEqual({
      cloud: { requests: 3, promptTokens: 9, completionTokens: 12 },
      local: { requests: 1, promptTokens: 3, completionTokens: 4 },
      none: { requests: 1, promptTokens: 3, completionTokens: 4 },
    });
    expect(Object.fromEntries(store.providerSpend(today))).toEqual({ openai: 6, groq: 0.25 });
    expect(Object.fromEntries(store.providerSpend(yesterday))).toEqual({ openai: 1 });
    expect(store.count()).toBe(7);
    store.close();
  });

  it('survives a restart: records written before close are read by a new store', async () => {
    const file = await tempFile();
    const first = new RequestLog({ store: new RequestStore({ file }) });
    const trace = first.begin({ client: 'c', route: 'r', model: 'm', endpoint: 'embeddings', stream: false });
    trace.finish({ status: 503, error: 'No target of route "r" can answer now' });
    first.close();
    const second = new RequestStore({ file });
    expect(second.get(trace.id)).toMatchObject({ status: 503, finalTier: null });
    expect(second.totals(1)[0]?.errors).toBe(1);
    second.close();
  });
});
