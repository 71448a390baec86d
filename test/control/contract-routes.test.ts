import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { totalmem } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { createHttpTransport } from '../../renderer/lib/transport-http.js';
import { CALLS, SUBSCRIPTIONS, type ConnectionState, type ModelView, type Transport } from '../../preload/contract.js';
import { contractRoutes } from '../../main/control/contract-http.js';
import { cursorAfter } from '../../main/control/log-cursor.js';

// The contract's own routes on a real engine serving stories260K: the session, the live streams,
// load / unload, per-model settings and app settings, reached through the same HTTP transport the
// browser panel uses (with the engine's control token as a bearer header).

let t: TestEngine;
let transport: Transport;
const stops: (() => void)[] = [];

beforeAll(async () => {
  t = await startTestEngine();
  // A config file with a key of the user's own, which PATCH /settings must keep.
  await writeFile(join(t.dataDir, 'config.json'), `${JSON.stringify({ modelFolders: [] }, null, 2)}\n`);
  transport = createHttpTransport({ baseUrl: t.origin, token: t.controlToken, backoff: { initialMs: 50, maxMs: 200 } });
});

afterAll(async () => {
  for (const stop of stops) stop();
  await t?.engine.stop();
});

function collect<T>(subscribe: (listener: (event: T) => void) => () => void) {
  const events: T[] = [];
  const stop = subscribe((event) => events.push(event));
  stops.push(stop);
  return {
    events,
    stop,
    async until(predicate: (events: T[]) => boolean, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`not seen in ${timeoutMs} ms: ${JSON.stringify(events).slice(0, 800)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

const modelState = async (id: string) => {
  const result = await transport.call('models');
  if (!result.ok) throw new Error(result.error.message);
  return result.data.data.find((m) => m.id === id)?.state;
};

describe('session and transport', () => {
  it('answers /session with the version and the endpoint', async () => {
    const result = await transport.call('session');
    expect(result).toMatchObject({ ok: true, data: { baseUrl: t.engine.baseUrl } });
    expect(transport.connection.get()).toEqual({ kind: 'connected' });
  });

  it('reports a wrong token as an error value and as the connection state, with words to act on', async () => {
    const wrong = createHttpTransport({ baseUrl: t.origin, token: 'not-the-token' });
    const states: ConnectionState[] = [];
    wrong.connection.subscribe((s) => states.push(s));
    const result = await wrong.call('status');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('unauthorized');
      expect(result.error.message).toContain('homeport panel-url');
    }
    expect(states.at(-1)?.kind).toBe('unauthorized');
  });

  it('reports an engine that is gone as engine_unreachable, and a subscription retries with backoff', async () => {
    const gone = createHttpTransport({ baseUrl: 'http://127.0.0.1:9', backoff: { initialMs: 30, maxMs: 60 } });
    const result = await gone.call('status');
    expect(result).toMatchObject({ ok: false, error: { code: 'engine_unreachable' } });
    const seen: ConnectionState[] = [];
    gone.connection.subscribe((s) => seen.push(s));
    const stop = gone.subscribe('status', () => undefined);
    const deadline = Date.now() + 5_000;
    while (seen.filter((s) => s.kind === 'retrying').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop();
    const retrying = seen.filter((s): s is Extract<ConnectionState, { kind: 'retrying' }> => s.kind === 'retrying');
    expect(retrying.length).toBeGreaterThanOrEqual(2);
    expect(retrying[1]!.attempt).toBeGreaterThan(retrying[0]!.attempt);
  });
});

describe('live streams', () => {
  it('sends the status at once and then again', async () => {
    const status = collect<{ type: string; data: unknown }>((l) => transport.subscribe('status', l));
    await status.until((events) => events.length >= 2, 10_000);
    expect(status.events[0]!.type).toBe('status');
    expect((status.events[0]!.data as { baseUrl: string }).baseUrl).toBe(t.engine.baseUrl);
    status.stop();
  });

  it('streams a runtime\'s log: the buffer first, then new lines', async () => {
    const runtimeId = t.engine.runtimes[0]!.id;
    const logs = collect<{ type: string; data: { runtime: string; lines: { line: string }[] } }>((l) => transport.subscribe('runtimeLogs', { id: runtimeId }, l as never));
    await logs.until((events) => events.length >= 1);
    expect(logs.events[0]!.data.runtime).toBe(runtimeId);
    expect(logs.events[0]!.data.lines.length).toBeGreaterThan(0);
    logs.stop();
  });

  it('resumes a runtime\'s log after the event id it gave (Last-Event-ID, or ?since=) instead of replaying the buffer', async () => {
    const runtime = t.engine.runtimes[0]!;
    const firstEvent = async (init: { headers?: Record<string, string>; query?: string }) => {
      const controller = new AbortController();
      const res = await t.controlFetch(`/homeport/v1/runtimes/${encodeURIComponent(runtime.id)}/logs/events${init.query ?? ''}`, { headers: init.headers ?? {}, signal: controller.signal });
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      const id = /^id: (.+)$/m.exec(text)?.[1];
      const data = JSON.parse(/^data: (.+)$/m.exec(text)![1]!) as { lines: { at: number; line: string }[] };
      return { id, lines: data.lines };
    };
    const whole = await firstEvent({});
    expect(whole.lines.length).toBeGreaterThan(2);
    expect(whole.id).toMatch(/^\d+\.\d+$/);
    // Resuming from the cursor two lines before the end: those two lines (and any logged since), not the buffer.
    const buffer = runtime.logs();
    const cursor = cursorAfter(buffer.slice(0, -2))!;
    for (const resumed of [await firstEvent({ headers: { 'last-event-id': cursor } }), await firstEvent({ query: `?since=${cursor}` })]) {
      expect(resumed.lines.slice(0, 2)).toEqual(buffer.slice(-2));
      expect(resumed.lines.length).toBeLessThan(whole.lines.length);
    }
  });

  it('answers a log stream of an unknown runtime with 404 before streaming', async () => {
    const res = await t.controlFetch('/homeport/v1/runtimes/nope/logs/events');
    expect(res.status).toBe(404);
  });
});

describe('load and unload', () => {
  it('unloads and loads a model, and the models stream shows each state', async () => {
    const id = t.modelId;
    const stream = collect<{ type: string; data: unknown }>((l) => transport.subscribe('models', l));
    await stream.until((events) => events.some((e) => e.type === 'models'));

    const unloaded = await transport.call('unloadModel', { id });
    expect(unloaded).toMatchObject({ ok: true, data: { id, state: 'available' } });
    await stream.until((events) => events.some((e) => e.type === 'models' && (e.data as { data: ModelView[] }).data.find((m) => m.id === id)?.state === 'available'));

    const loaded = await transport.call('loadModel', { id });
    expect(loaded).toMatchObject({ ok: true, data: { id, state: 'loaded' } });
    await stream.until((events) => events.some((e) => e.type === 'decision' && (e.data as { kind: string }).kind === 'load'));
    expect(await modelState(id)).toBe('loaded');
    stream.stop();
  });

  it('answers an unknown model with model_not_found', async () => {
    expect(await transport.call('loadModel', { id: 'no-such-model' })).toMatchObject({ ok: false, error: { code: 'model_not_found' } });
  });
});

describe('per-model settings', () => {
  it('shows the running values, saves a change, and applies ctx at the next load', async () => {
    const id = t.modelId;
    const before = await transport.call('modelSettings', { id });
    expect(before).toMatchObject({ ok: true, data: { id, settings: { ctx: 512, parallel: 4, gpuLayers: null }, appliesOnNextLoad: false, readOnly: ['gpuLayers'] } });

    const changed = await transport.call('updateModelSettings', { id, ctx: 256, aliases: ['tiny-stories'] });
    expect(changed).toMatchObject({ ok: true, data: { settings: { ctx: 256, aliases: ['tiny-stories'] }, appliesOnNextLoad: true } });
    const saved = JSON.parse(await readFile(join(t.dataDir, 'state', 'model-settings.json'), 'utf8')) as { models: Record<string, unknown> };
    expect(saved.models[id]).toMatchObject({ ctx: 256, aliases: ['tiny-stories'] });

    // The alias answers at once on the public API.
    const reply = await t.client.chat.completions.create({ model: 'tiny-stories', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
    expect(reply.choices).toHaveLength(1);

    await transport.call('unloadModel', { id });
    await transport.call('loadModel', { id });
    const after = await transport.call('modelSettings', { id });
    expect(after).toMatchObject({ ok: true, data: { settings: { ctx: 256 }, appliesOnNextLoad: false } });
    const logs = await transport.call('runtimeLogs', { id: t.engine.runtimes[0]!.id });
    expect(logs.ok).toBe(true);
  });

  it('refuses a read-only setting and a bad value, naming them', async () => {
    expect(await transport.call('updateModelSettings', { id: t.modelId, gpuLayers: 10 })).toMatchObject({ ok: false, error: { code: 'setting_read_only' } });
    const bad = await transport.call('updateModelSettings', { id: t.modelId, ctx: 3 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_value' } });
  });
});

describe('app settings', () => {
  it('reads the settings with what is in effect, and a headless engine says what it cannot do', async () => {
    const result = await transport.call('settings');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data.settings).toMatchObject({ memoryBudgetBytes: 0, theme: 'system', closeToTray: true, startOnLogin: false });
    expect(result.data.restartRequired).toEqual([]);
    expect(result.data.unavailable.startOnLogin).toMatch(/desktop app/);
    expect(result.data.secretStorage.protection).toBe('file');
  });

  it('saves a change in the config file, keeps the user\'s keys, applies the memory budget live and flags the port for a restart', async () => {
    const result = await transport.call('updateSettings', { memoryBudgetBytes: 8 * 1024 ** 3, port: 5055, theme: 'dark' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data.settings).toMatchObject({ memoryBudgetBytes: 8 * 1024 ** 3, port: 5055, theme: 'dark' });
    expect(result.data.restartRequired).toEqual(['port']);
    expect(result.data.applied).toEqual(expect.arrayContaining(['memoryBudgetBytes', 'theme']));
    expect(t.engine.pool.limits.memoryBudgetBytes).toBe(8 * 1024 ** 3);
    const file = JSON.parse(await readFile(join(t.dataDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(file).toEqual({ modelFolders: [], port: 5055, lifecycle: { memoryBudgetBytes: 8 * 1024 ** 3 }, desktop: { theme: 'dark' } });
  });

  it('refuses unknown settings and bad values without touching the file', async () => {
    const before = await readFile(join(t.dataDir, 'config.json'), 'utf8');
    expect(await transport.call('updateSettings', { port: 80 })).toMatchObject({ ok: false, error: { code: 'invalid_value' } });
    expect(await transport.call('updateSettings', { colour: 'red' } as never)).toMatchObject({ ok: false });
    expect(await readFile(join(t.dataDir, 'config.json'), 'utf8')).toBe(before);
  });

  it('refuses a memory budget above all the memory this machine has, saying what to enter', async () => {
    const before = await readFile(join(t.dataDir, 'config.json'), 'utf8');
    const result = await transport.call('updateSettings', { memoryBudgetBytes: 1024 ** 5 });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_value', param: 'memoryBudgetBytes' } });
    if (result.ok) return;
    expect(result.error.message).toMatch(/1048576.0 GiB is more than this machine has \(.*RAM.*\).*Enter at most .*, or 0/);
    expect(await readFile(join(t.dataDir, 'config.json'), 'utf8')).toBe(before);
    // Exactly the machine's RAM is still a budget (there is no GPU memory on this machine to add).
    expect(await transport.call('updateSettings', { memoryBudgetBytes: totalmem() })).toMatchObject({ ok: true, data: { settings: { memoryBudgetBytes: totalmem() } } });
  });
});

describe('the contract', () => {
  it('is served whole by the engine: no call or subscription answers "unknown URL"', async () => {
    const fill = (path: string) => path.replace(/:([A-Za-z]+)/g, 'contract-probe');
    const missing: string[] = [];
    for (const route of contractRoutes()) {
      const controller = new AbortController();
      const res = await t.controlFetch(`/homeport/v1${fill(route.path)}`, {
        method: route.method,
        signal: controller.signal,
        ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { headers: { 'content-type': 'application/json' }, body: '{"contract-probe":true}' } : {}),
      });
      const text = res.headers.get('content-type')?.includes('event-stream') ? '' : await res.text();
      controller.abort();
      if (res.status === 404 && text.includes('unknown_url')) missing.push(`${route.name}: ${route.method} ${route.path}`);
    }
    expect(missing).toEqual([]);
    // The probe can see a missing route:
    const unknown = await t.controlFetch('/homeport/v1/contract-probe-not-a-route');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('unknown_url');
  });

  it('names each route once', () => {
    const routes = contractRoutes().map((r) => `${r.method} ${r.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    expect(Object.keys(CALLS).length + Object.keys(SUBSCRIPTIONS).length).toBe(routes.length);
  });
});
