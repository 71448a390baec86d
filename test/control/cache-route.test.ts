/**
 * GET /homeport/v1/cache says whether the cache is on now: the Settings switch
 * applies live, and the route reports what the router does (a request with the
 * cache off is answered with x-homeport-cache: off), not the state at start.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let t: TestEngine;

beforeAll(async () => {
  // A route named after the model gives that model the cache.
  t = await startTestEngine({ config: { routes: { stories260k: { targets: ['local:stories260k'] } } } });
  await writeFile(join(t.dataDir, 'config.json'), '{}\n');
});

afterAll(async () => {
  await t?.engine.stop();
});

async function cacheView(): Promise<{ enabled: boolean; entries: number }> {
  const res = await t.controlFetch('/homeport/v1/cache');
  expect(res.status).toBe(200);
  return (await res.json()) as { enabled: boolean; entries: number };
}

async function switchCache(enabled: boolean): Promise<void> {
  const res = await t.controlFetch('/homeport/v1/settings', {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cache: { enabled } }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { applied: string[]; restartRequired: string[] };
  expect(body.applied).toContain('cache');
  expect(body.restartRequired).not.toContain('cache');
}

async function cacheHeaderOfAsk(content: string): Promise<string | null> {
  const res = await fetch(`${t.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'stories260k', temperature: 0, max_tokens: 3, messages: [{ role: 'user', content }] }),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return res.headers.get('x-homeport-cache');
}

/** The answer is stored as its response ends: wait for the count rather than assume the order. */
async function entriesReach(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await cacheView()).entries < count) {
    if (Date.now() > deadline) throw new Error(`the cache did not reach ${count} entries within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('GET /homeport/v1/cache follows the Settings switch', () => {
  it('says enabled: false once the cache is switched off, and true again once it is switched on', async () => {
    expect((await cacheView()).enabled).toBe(true);
    expect(await cacheHeaderOfAsk('Switched on at start')).toBe('miss');
    await entriesReach(1);

    await switchCache(false);
    const off = await cacheView();
    expect(off.enabled).toBe(false);
    // The entries stay (and are counted); nothing reads them while the switch is off.
    expect(off.entries).toBe(1);
    expect(await cacheHeaderOfAsk('Switched on at start')).toBe('off');

    await switchCache(true);
    expect((await cacheView()).enabled).toBe(true);
    expect(await cacheHeaderOfAsk('Switched on at start')).toBe('hit');
  });
});
