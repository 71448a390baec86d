/**
 * Settings that apply while Homeport runs: the idle TTL (app-wide and per
 * model) re-arms the loaded models' idle timers at once, and the cache's
 * lifetime and size limit drop expired and excess entries at once. The port
 * is the setting that waits for a restart, and the view says so.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { createHttpTransport } from '../../renderer/lib/transport-http.js';
import type { Transport } from '../../preload/contract.js';
import { createResponseCache, type ResponseCacheInstance } from '../../main/cache/response-cache.js';
import { chatRequest, completion, tempCacheFile } from '../cache/fixtures.js';

let t: TestEngine;
let transport: Transport;

beforeAll(async () => {
  t = await startTestEngine();
  await writeFile(join(t.dataDir, 'config.json'), '{}\n');
  transport = createHttpTransport({ baseUrl: t.origin, token: t.controlToken, backoff: { initialMs: 50, maxMs: 200 } });
});

afterAll(async () => {
  await t?.engine.stop();
});

async function stateOf(id: string): Promise<string | undefined> {
  const result = await transport.call('models');
  if (!result.ok) throw new Error(result.error.message);
  return result.data.data.find((m) => m.id === id)?.state;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('idle TTL, live', () => {
  it('a shorter app-wide idle TTL unloads an idle loaded model without a restart', async () => {
    const id = t.modelId;
    expect(await stateOf(id)).toBe('loaded');
    // 0.01 minutes = 600 ms.
    const result = await transport.call('updateSettings', { idleTtlMinutes: 0.01 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data.applied).toContain('idleTtlMinutes');
    expect(result.data.restartRequired).not.toContain('idleTtlMinutes');
    await waitFor(async () => (await stateOf(id)) !== 'loaded', 20_000, 'the idle model unloaded');
    expect(t.engine.pool.snapshot().find((m) => m.id === id)?.ttlMs).toBe(600);
  });

  it("a model's own TTL applies at once and is not flagged for a restart", async () => {
    const id = t.modelId;
    const changed = await transport.call('updateModelSettings', { id, ttlMinutes: 0 });
    expect(changed).toMatchObject({ ok: true, data: { settings: { ttlMinutes: 0 }, restartRequired: [] } });
    // 0 = never unload: a loaded model stays loaded although the default is 600 ms.
    await transport.call('loadModel', { id });
    expect(await stateOf(id)).toBe('loaded');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stateOf(id)).toBe('loaded');
    expect(t.engine.pool.snapshot().find((m) => m.id === id)?.ttlMs).toBe(0);
  });
});

describe('cache settings, live', () => {
  it('are applied, while the port waits for a restart', async () => {
    const result = await transport.call('updateSettings', { cache: { ttlMinutes: 5, maxBytes: 1024 * 1024 }, port: 5099 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data.applied).toContain('cache');
    expect(result.data.restartRequired).toEqual(['port']);
  });

  const open: ResponseCacheInstance[] = [];
  afterEach(() => {
    for (const cache of open.splice(0)) cache.close();
  });

  it('a shorter lifetime drops older answers at once', async () => {
    let now = 1_000_000;
    const cache = createResponseCache({ file: tempCacheFile(), ttlMs: 60 * 60_000, now: () => now });
    open.push(cache);
    await cache.store(chatRequest(), completion('kept an hour'));
    now += 5 * 60_000;
    expect(await cache.lookup(chatRequest(), {})).toBeDefined();
    cache.setLimits!({ ttlMs: 60_000 });
    expect(cache.stats().entries).toBe(0);
    expect(await cache.lookup(chatRequest(), {})).toBeUndefined();
  });

  it('a smaller size limit evicts the least recently used answers at once', async () => {
    const cache = createResponseCache({ file: tempCacheFile() });
    open.push(cache);
    for (let i = 0; i < 6; i += 1) await cache.store(chatRequest({ max_tokens: i + 1 }), completion(`answer ${i} ${'x'.repeat(2000)}`));
    const before = cache.stats();
    expect(before.entries).toBe(6);
    cache.setLimits!({ maxBytes: Math.floor(before.bytes / 2) });
    const after = cache.stats();
    expect(after.entries).toBeLessThan(6);
    expect(after.bytes).toBeLessThanOrEqual(Math.floor(before.bytes / 2));
  });
});
