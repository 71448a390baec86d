import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../main/routing/breaker.js';
import { isOnThisMachineOrLan } from '../../main/routing/lan.js';
import { judgeContext, judgeLocal, judgeRemote, predictedWaitMs } from '../../main/routing/policies.js';
import { parseServerLoad } from '../../main/routing/prometheus.js';
import { parseTarget } from '../../main/routing/targets.js';
import { contextLimitOf, isContextError } from '../../main/routing/context-errors.js';
import { forcedTierVerdict, parseForcedTier, unroutedTierError } from '../../main/routing/forced-tier.js';
import { tokenizerOrigin } from '../../main/routing/prompt-tokens.js';

const remote = {
  provider: 'openai',
  kind: 'cloud' as const,
  privacy: false,
  onLan: false,
  hasKey: true,
  keyHint: '',
  spentTodayUsd: 0,
  dailyBudgetUsd: undefined,
  health: undefined,
  parallel: undefined,
  meanRequestMs: null,
  maxQueueWaitMs: 2000,
};

describe('routing policies', () => {
  it('judges a local target busy only when every slot is taken and the predicted wait is over the limit', () => {
    const base = { state: 'ready' as const, lastError: null, slots: 4, meanRequestMs: 3050, maxQueueWaitMs: 2000 };
    expect(judgeLocal({ ...base, inFlight: 3 }).go).toBe(true);
    expect(judgeLocal({ ...base, inFlight: 4 })).toEqual({ go: true, reason: 'queued: 4/4 slots, predicted wait 0.8 s ≤ 2.0 s' });
    expect(predictedWaitMs({ inFlight: 11, slots: 4, meanRequestMs: 3050 })).toBeCloseTo(6100);
    expect(judgeLocal({ ...base, inFlight: 11 })).toEqual({ go: false, reason: 'busy: 4/4 slots, 7 queued, predicted wait 6.1 s > 2.0 s' });
    expect(judgeLocal({ ...base, inFlight: 4, meanRequestMs: 1000 }).go).toBe(true);
    expect(judgeLocal({ ...base, inFlight: 0, state: 'failed', lastError: 'exit 1' })).toEqual({ go: false, reason: 'offline: the runtime failed (exit 1)' });
  });

  it('judges remote targets by privacy, budget, health and load, in that order', () => {
    expect(judgeRemote({ ...remote, privacy: true }).reason).toBe('privacy mode: openai is a cloud provider');
    expect(judgeRemote({ ...remote, kind: 'self-hosted', privacy: true, onLan: true }).go).toBe(true);
    expect(judgeRemote({ ...remote, kind: 'self-hosted', privacy: true, onLan: false }).reason).toBe('privacy mode: openai is outside this machine and the LAN');
    expect(judgeRemote({ ...remote, spentTodayUsd: 5, dailyBudgetUsd: 5 }).reason).toBe('daily budget reached: $5.0000 spent of $5.00');
    expect(judgeRemote({ ...remote, kind: 'self-hosted', health: { ok: false, reason: 'health check failed: ECONNREFUSED', checkedAt: 0 } }).reason).toBe('offline: health check failed: ECONNREFUSED');
    const busy = judgeRemote({ ...remote, kind: 'self-hosted', parallel: 2, meanRequestMs: 1000, health: { ok: true, reason: '', checkedAt: 0, load: { running: 2, waiting: 6, source: 'vllm' } } });
    expect(busy).toEqual({ go: false, reason: 'busy: 2 running, 6 waiting (vllm), predicted wait 3.5 s > 2.0 s' });
  });

  it('labels a context estimate as one', () => {
    expect(judgeContext({ promptTokens: 900, exact: false, contextTokens: 512 }).reason).toBe('context too small: the prompt has about 900 tokens (estimate), the context holds 512');
    expect(judgeContext({ promptTokens: 100, exact: true, contextTokens: 512 }).go).toBe(true);
    expect(judgeContext({ promptTokens: 600, exact: true, contextTokens: 512, counter: 'llama-server /tokenize' }).reason).toBe('context too small: the prompt has 600 tokens (exact, llama-server /tokenize), the context holds 512');
    expect(judgeContext({ promptTokens: 90, exact: false, contextTokens: 512, countFailed: '/tokenize answered 500' }).reason).toBe('prompt about 90 tokens (estimate; the tokenizer failed: /tokenize answered 500) fits 512');
    expect(tokenizerOrigin('http://den-pc.local:8080/v1/')).toBe('http://den-pc.local:8080');
  });

  it('reads x-homeport-tier: the four tiers, absent or empty means none, anything else names the allowed values', () => {
    expect(parseForcedTier(undefined)).toEqual({ ok: true, tier: null });
    expect(parseForcedTier('  ')).toEqual({ ok: true, tier: null });
    expect(parseForcedTier('CLOUD')).toEqual({ ok: true, tier: 'cloud' });
    expect(parseForcedTier(['network'])).toEqual({ ok: true, tier: 'network' });
    const bad = parseForcedTier(['local', 'cloud']);
    expect(bad).toEqual({ ok: false, message: 'Unknown x-homeport-tier "local,cloud": use one of cache, local, network, cloud (or leave the header out to let the route decide).' });
    expect(forcedTierVerdict('local', null)).toBeNull();
    expect(forcedTierVerdict('cloud', 'cloud')).toBeNull();
    expect(forcedTierVerdict('local', 'cloud')).toEqual({ go: false, reason: 'not tried: tier forced to cloud' });
    // A model name without a route: only its local model can answer.
    expect(unroutedTierError(undefined, 'llama3')).toBeNull();
    expect(unroutedTierError('local', 'llama3')).toBeNull();
    expect(unroutedTierError('cloud', 'llama3')?.toBody().error).toEqual({
      type: 'invalid_request_error',
      code: 'no_target_in_tier',
      param: 'x-homeport-tier',
      message: '"llama3" has no route, so only its local model answers it (no cloud tier). Add a route with a cloud target for it, or leave x-homeport-tier out.',
    });
    expect(unroutedTierError('cahce', 'llama3')).toMatchObject({ status: 400, code: 'invalid_tier' });
  });

  it('recognises context errors of the embedded worker, OpenAI and llama-server', () => {
    const embedded = Buffer.from(JSON.stringify({ error: { code: 'context_length_exceeded', message: "This model's context holds 512 tokens per request, but the prompt has 900" } }));
    expect(isContextError(embedded)).toBe(true);
    expect(contextLimitOf(embedded)).toBe(512);
    expect(contextLimitOf(Buffer.from(JSON.stringify({ error: { message: "This model's maximum context length is 8192 tokens." } })))).toBe(8192);
    expect(isContextError(Buffer.from(JSON.stringify({ error: { type: 'exceed_context_size_error', n_ctx: 4096 } })))).toBe(true);
    expect(isContextError(Buffer.from(JSON.stringify({ error: { code: 'invalid_value', message: 'bad temperature' } })))).toBe(false);
  });
});

describe('circuit breaker', () => {
  it('opens after 3 failures, lets one probe through after the cooldown, doubles the cooldown on a failed probe, closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 3, cooldownMs: 5000, maxCooldownMs: 8000 }, () => now);
    breaker.failure();
    breaker.failure();
    expect(breaker.check().allowed).toBe(true);
    breaker.failure();
    expect(breaker.check()).toMatchObject({ allowed: false, reason: 'circuit open after 3 failures in a row, next probe in 5.0 s' });
    now = 5000;
    expect(breaker.check()).toMatchObject({ allowed: true, probe: true });
    expect(breaker.check()).toMatchObject({ allowed: false, reason: 'circuit half-open: a probe request is deciding' });
    breaker.failure();
    expect(breaker.view()).toMatchObject({ state: 'open', cooldownMs: 8000 });
    now = 13_000;
    expect(breaker.check().probe).toBe(true);
    breaker.success();
    expect(breaker.view()).toMatchObject({ state: 'closed', consecutiveFailures: 0, cooldownMs: 5000 });
  });
});

describe('targets, LAN and metrics', () => {
  it('splits provider and model at the first colon only', () => {
    const providers = new Set(['den-pc', 'openai']);
    expect(parseTarget('den-pc:qwen2.5:14b', providers)).toEqual({ kind: 'remote', label: 'den-pc:qwen2.5:14b', provider: 'den-pc', model: 'qwen2.5:14b' });
    expect(parseTarget('local:llama3', providers)).toEqual({ kind: 'local', label: 'local:llama3', model: 'llama3' });
    expect(parseTarget('llama3', providers)).toEqual({ kind: 'local', label: 'local:llama3', model: 'llama3' });
  });

  it('tells this machine and the LAN from the internet', () => {
    for (const url of ['http://127.0.0.1:8080/v1', 'http://den-pc.local:11434/v1', 'http://192.168.1.20/v1', 'http://10.0.0.5/v1', 'http://[::1]:8000/v1', 'http://gpubox:8000/v1', 'http://100.101.1.2/v1'])
      expect(isOnThisMachineOrLan(url), url).toBe(true);
    for (const url of ['https://api.openai.com/v1', 'http://8.8.8.8/v1', 'http://172.32.0.1/v1']) expect(isOnThisMachineOrLan(url), url).toBe(false);
  });

  it('reads vLLM and llama-server load from their Prometheus metrics', () => {
    expect(parseServerLoad('# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_running{model_name="a"} 3\nvllm:num_requests_waiting{model_name="a"} 2\nvllm:num_requests_waiting{model_name="b"} 1\n')).toEqual({ running: 3, waiting: 3, source: 'vllm' });
    expect(parseServerLoad('llamacpp:requests_processing 1\nllamacpp:requests_deferred 4\n')).toEqual({ running: 1, waiting: 4, source: 'llama.cpp' });
    expect(parseServerLoad('process_cpu_seconds_total 12\n')).toBeUndefined();
  });
});
