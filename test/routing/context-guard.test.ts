/**
 * The context guard with the target's own tokenizer: a provider marked
 * `tokenizer: "llama-server"` is counted through its POST /apply-template and
 * POST /tokenize before the routing decision (the cloud double speaks that
 * protocol with `tokenizer: true`: one token per word, so its count differs
 * from the bytes ÷ 3 estimate on purpose). A real engine runs the router; the
 * official openai SDK and fetch drive it from outside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { putRouting, requestRecord } from '../support/routing.js';
import { startCloudDouble, type CloudDouble } from '../fixtures/cloud-double.js';
import type { RequestRecord } from '../../main/requests/types.js';

const KEY = 'sk-homeport-context-guard-0123456789abcdef';
const ENV = 'HP_CONTEXT_GUARD_TEST_KEY';

let t: TestEngine;
let server: CloudDouble;
let sdk: OpenAI;

const record = (id: string | null): Promise<RequestRecord> => requestRecord(t, id);

/** `n` short words: about 5 bytes each in the body, one token each for the double's tokenizer. */
function words(n: number): string {
  return Array.from({ length: n }, (_, i) => `w${i % 10}xy`).join(' ');
}

beforeAll(async () => {
  process.env[ENV] = KEY;
  server = await startCloudDouble({ key: KEY, tokenizer: true });
  t = await startTestEngine({ tuning: { parallel: 1 } });
  sdk = new OpenAI({ baseURL: t.engine.baseUrl, apiKey: 'unused', maxRetries: 0 });
  const routing = {
    privacy: false,
    providers: {
      // The same double twice: a small-context llama-server counted exactly, and a big one without a tokenizer.
      small: { baseUrl: server.baseUrl, kind: 'self-hosted', apiKeySecret: 'guard-key', apiKeyEnv: ENV, tokenizer: 'llama-server', contextTokens: { m: 100 } },
      big: { baseUrl: server.baseUrl, kind: 'self-hosted', apiKeySecret: 'guard-key', apiKeyEnv: ENV, contextTokens: { m: 100_000 } },
    },
    routes: {
      guarded: { targets: ['small:m', 'big:m'], cache: { enabled: false }, retries: 0 },
      'small-only': { targets: ['small:m'], cache: { enabled: false }, retries: 0 },
    },
  };
  await putRouting(t, routing);
}, 120_000);

afterAll(async () => {
  await t?.engine.stop();
  await server?.close();
  delete process.env[ENV];
});

describe('context guard with llama-server /tokenize', () => {
  it('uses the exact count: a prompt the estimate would refuse fits, and goes to the small target with an exact reason', async () => {
    const content = words(80);
    // What the estimate alone would say: over the 100-token context.
    expect(Math.ceil(Buffer.byteLength(JSON.stringify({ model: 'guarded', messages: [{ role: 'user', content }] })) / 3)).toBeGreaterThan(100);
    const before = server.tokenizerCalls.length;
    const { data, response } = await sdk.chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content }] }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-homeport-route')).toBe('route=guarded; target=small:m; tier=network');
    expect(response.headers.get('server-timing')).toMatch(/^routing;dur=[\d.]+, tokenize;dur=[\d.]+, upstream;dur=[\d.]+$/);
    // The chat template, then the tokens of the templated prompt; the key goes along (llama-server --api-key).
    expect(server.tokenizerCalls.slice(before)).toEqual([
      { path: '/apply-template', authorized: true },
      { path: '/tokenize', authorized: true },
    ]);
    const r = await record(response.headers.get('x-homeport-request-id'));
    // 80 words + the user marker + the assistant marker.
    expect(r.attempts.at(-1)?.reason).toMatch(/^small:m (healthy[^;]*|not checked yet); prompt 82 tokens \(exact, llama-server \/tokenize\) fits 100$/);
    expect(r.attempts.at(-1)).toMatchObject({ target: 'small:m', outcome: 'answered' });
    expect(r.timing?.tokenizeMs).toBeGreaterThanOrEqual(0);
  });

  it('a long prompt goes to the bigger-context target, the small one skipped with the exact count and its limit', async () => {
    const { response } = await sdk.chat.completions.create({ model: 'guarded', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: words(300) }] }).withResponse();
    expect(response.headers.get('x-homeport-route')).toBe('route=guarded; target=big:m; tier=network');
    const r = await record(response.headers.get('x-homeport-request-id'));
    // 2 + 300 words + 2 role markers + the assistant marker.
    expect(r.attempts[0]).toEqual({ target: 'small:m', tier: 'network', outcome: 'skipped', reason: 'small:m context too small: the prompt has 305 tokens (exact, llama-server /tokenize), the context holds 100' });
    expect(r.attempts[1]).toMatchObject({ target: 'big:m', outcome: 'answered' });
  });

  it('with no bigger target: 400 context_length_exceeded naming the limit, and nothing sent to the server', async () => {
    const before = server.received.length;
    const res = await fetch(`${t.engine.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'small-only', messages: [{ role: 'user', content: words(300) }] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; type: string; param: string } };
    expect(body.error).toMatchObject({ code: 'context_length_exceeded', type: 'invalid_request_error', param: 'messages' });
    expect(body.error.message).toContain('the largest context is 100 tokens');
    expect(body.error.message).toContain('the prompt has 302 tokens (exact, llama-server /tokenize)');
    expect(server.received.length).toBe(before);
  });

  it('a completions prompt is tokenized as it is, with the begin-of-text token', async () => {
    const before = server.tokenizerCalls.length;
    const res = await fetch(`${t.engine.baseUrl}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'small-only', prompt: words(300) }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.message).toContain('the prompt has 301 tokens (exact, llama-server /tokenize), the context holds 100');
    expect(server.tokenizerCalls.slice(before).map((c) => c.path)).toEqual(['/tokenize']);
  });

  it('a failing tokenizer falls back to the estimate, and the reason says so', async () => {
    server.setTokenizer('fail');
    try {
      const { response } = await sdk.chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content: words(80) }] }).withResponse();
      // The estimate (bytes ÷ 3) is over 100: the small target is skipped on the estimate.
      expect(response.headers.get('x-homeport-route')).toBe('route=guarded; target=big:m; tier=network');
      const r = await record(response.headers.get('x-homeport-request-id'));
      expect(r.attempts[0]?.outcome).toBe('skipped');
      expect(r.attempts[0]?.reason).toMatch(/^small:m context too small: the prompt has about \d+ tokens \(estimate; the tokenizer failed: \/apply-template answered 500\), the context holds 100$/);
    } finally {
      server.setTokenizer('ok');
    }
  });

  it('a tokenizer that does not answer in time falls back to the estimate too', async () => {
    server.setTokenizer('hang');
    try {
      const res = await fetch(`${t.engine.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'small-only', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(res.status).toBe(200);
      const r = await record(res.headers.get('x-homeport-request-id'));
      expect(r.attempts[0]?.reason).toMatch(/prompt about \d+ tokens \(estimate; the tokenizer failed: the tokenizer did not answer within 1000 ms\) fits 100$/);
    } finally {
      server.setTokenizer('ok');
    }
  });
});
