import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { testModel } from '../support/models.js';
import { isAlive, waitFor } from '../support/processes.js';
import type { SupervisorEvent } from '../../main/runtimes/types.js';

interface ModelView {
  id: string;
  state: string;
  runtime: string;
  sizeBytes: number;
  contextLength: number;
  port: number | null;
  lastUsedAt: string | null;
}

/**
 * On-demand loading, co-residency and idle unloading with the real engine:
 * two copies of stories260K under different names, at most one loaded.
 */
describe('model lifecycle through the gateway (real engine, real runtimes)', () => {
  let t: TestEngine;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'homeport-lifecycle-'));
    const a = join(dir, 'alpha.gguf');
    const b = join(dir, 'beta.gguf');
    await symlink(testModel('stories260K.gguf'), a);
    await symlink(testModel('stories260K.gguf'), b);
    t = await startTestEngine({
      modelPaths: [a, b],
      tuning: { parallel: 2, ctx: 256 },
      config: { lifecycle: { maxLoadedModels: 1, idleTtlMinutes: 15, memoryBudgetBytes: 0 } },
    });
  });
  afterAll(async () => {
    await t?.engine.stop();
  });

  const models = async () => ((await (await t.controlFetch('/homeport/v1/models')).json()) as { data: ModelView[] }).data;
  const state = async (id: string) => (await models()).find((m) => m.id === id)?.state;
  const chat = (model: string) => t.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });

  it('loads only as many models at start as the limit allows, and lists them with their state', async () => {
    const list = await models();
    expect(list.map((m) => [m.id, m.state])).toEqual([
      ['alpha', 'loaded'],
      ['beta', 'available'],
    ]);
    expect(list[0]).toMatchObject({ runtime: 'embedded:alpha', sizeBytes: 1185376, contextLength: 256 });
    expect(list[0]?.port).toBeGreaterThan(0);
  });

  it('a request for a cold model loads it on demand (one load for 10 concurrent requests) and evicts the idle one', async () => {
    const alphaPid = t.engine.runtimes[0]!.snapshot().pid!;
    const beta = t.engine.runtimes[1]!;
    const starts: SupervisorEvent[] = [];
    const unsubscribe = beta.subscribe((e) => {
      if (e.type === 'state' && e.to === 'starting') starts.push(e);
    });
    const replies = await Promise.all(Array.from({ length: 10 }, () => chat('beta')));
    unsubscribe();
    for (const r of replies) expect(r.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(starts).toHaveLength(1);
    expect(await state('beta')).toBe('loaded');
    expect(await state('alpha')).toBe('available');
    expect(await waitFor(() => !isAlive(alphaPid), 5_000)).toBe(true);

    const decisions = ((await (await t.controlFetch('/homeport/v1/decisions?limit=20')).json()) as { data: Array<{ kind: string; model: string; reason: string }> }).data;
    const evict = decisions.find((d) => d.kind === 'evict');
    expect(evict?.model).toBe('alpha');
    expect(evict?.reason).toMatch(/alpha/);
    expect(evict?.reason).toMatch(/beta/);
  });

  it('bad query input on the decisions list is a 400 naming the parameter', async () => {
    const res = await t.controlFetch('/homeport/v1/decisions?limit=lots');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('limit');
  });
});

describe('idle TTL (real engine)', () => {
  let t: TestEngine;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'homeport-ttl-'));
    const a = join(dir, 'gamma.gguf');
    await symlink(testModel('stories260K.gguf'), a);
    // 0.02 min = 1.2 s.
    t = await startTestEngine({ modelPaths: [a], tuning: { parallel: 1, ctx: 256 }, config: { lifecycle: { idleTtlMinutes: 0.02, maxLoadedModels: 0, memoryBudgetBytes: 0 } } });
  });
  afterAll(async () => {
    await t?.engine.stop();
  });

  it('unloads after the TTL and loads again on the next request', async () => {
    const runtime = t.engine.runtimes[0]!;
    await t.client.chat.completions.create({ model: 'gamma', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
    const pid = runtime.snapshot().pid!;
    expect(await waitFor(() => runtime.snapshot().state === 'stopped', 10_000, 50)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    const decisions = t.engine.pool.decisions.list({ limit: 10 });
    expect(decisions.some((d) => d.kind === 'unload-idle' && d.model === 'gamma')).toBe(true);
    const again = await t.client.chat.completions.create({ model: 'gamma', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
    expect(again.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('never unloads while a request holds the model, then unloads once it is released', async () => {
    const runtime = t.engine.runtimes[0]!;
    await runtime.ensureReady({ deadlineMs: 30_000 });
    const release = runtime.hold!();
    await new Promise((r) => setTimeout(r, 3_000)); // well past the 1.2 s TTL
    expect(runtime.snapshot().state).toBe('ready');
    release();
    expect(await waitFor(() => runtime.snapshot().state === 'stopped', 10_000, 50)).toBe(true);
  });
});
