import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLS, IPC } from '../../preload/contract.js';

// Electron cannot run here, so the preload is checked as Electron would load it in a sandboxed window:
// one CommonJS script, evaluated with a `require` that only knows `electron`.
const BUILD_SCRIPT = fileURLToPath(new URL('../../main/build/desktop.mjs', import.meta.url));

let out: string;
let code: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'homeport-preload-'));
  const built = spawnSync(process.execPath, [BUILD_SCRIPT], { env: { ...process.env, HOMEPORT_DESKTOP_OUT: out }, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`the desktop build failed:\n${built.stdout}\n${built.stderr}`);
  code = await readFile(join(out, 'preload', 'index.cjs'), 'utf8');
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

interface Exposed {
  name: string;
  api: Record<string, unknown>;
}

/** Runs the bundle with fake `contextBridge` / `ipcRenderer`; returns what it exposed and what it sent. */
function loadPreload() {
  const invoked: unknown[][] = [];
  const listeners = new Map<string, (...args: unknown[]) => void>();
  const ipcRenderer = {
    invoke: (...args: unknown[]) => {
      invoked.push(args);
      return Promise.resolve({ ok: true, data: null });
    },
    on: (channel: string, listener: (...args: unknown[]) => void) => listeners.set(channel, listener),
    removeListener: (channel: string) => listeners.delete(channel),
    send: () => undefined,
  };
  const exposed: Exposed[] = [];
  const contextBridge = { exposeInMainWorld: (name: string, api: Record<string, unknown>) => exposed.push({ name, api }) };
  const required: string[] = [];
  const fakeRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`a sandboxed preload cannot require "${id}"`);
  };
  const module = { exports: {} };
  vm.runInNewContext(`(function (require, module, exports) {${code}\n})`, { console })(fakeRequire, module, module.exports);
  return { exposed, invoked, listeners, required, ipcRenderer };
}

describe('the built preload (dist/preload/index.cjs)', () => {
  it('is one CommonJS script: no import or export statement, and it compiles as a plain script', () => {
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/^\s*export\s/m);
    expect(code).not.toMatch(/import\(/);
    expect(() => new vm.Script(`(function (require, module, exports) {${code}\n})`)).not.toThrow();
  });

  it('requires electron and nothing else, and only with a literal name', () => {
    const requires = [...code.matchAll(/\brequire\s*\(([^)]*)\)/g)].map((m) => m[1]!.trim());
    expect(requires.length).toBeGreaterThan(0);
    expect(new Set(requires)).toEqual(new Set(['"electron"']));
    expect(loadPreload().required).toEqual(['electron']);
  });

  it('exposes window.homeport as named functions only, one per call of the contract', () => {
    const { exposed } = loadPreload();
    expect(exposed.map((e) => e.name)).toEqual(['homeport']);
    const api = exposed[0]!.api;
    expect(Object.keys(api).sort()).toEqual(['calls', 'onEvent', 'stream', 'subscribe', 'unsubscribe']);
    for (const key of ['onEvent', 'stream', 'subscribe', 'unsubscribe']) expect(typeof api[key]).toBe('function');
    const calls = api.calls as Record<string, unknown>;
    expect(Object.keys(calls).sort()).toEqual(Object.keys(CALLS).sort());
    for (const fn of Object.values(calls)) expect(typeof fn).toBe('function');
  });

  it('never hands out ipcRenderer: not as a value, and not through the event listener', async () => {
    const { exposed, ipcRenderer, listeners } = loadPreload();
    const seen = new Set<unknown>();
    const walk = (value: unknown) => {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
      seen.add(value);
      expect(value).not.toBe(ipcRenderer);
      expect(value).not.toBe(ipcRenderer.invoke);
      expect(value).not.toBe(ipcRenderer.on);
      if (typeof value === 'object') for (const child of Object.values(value as object)) walk(child);
    };
    walk(exposed[0]!.api);

    const received: unknown[][] = [];
    const stop = (exposed[0]!.api.onEvent as (l: (...args: unknown[]) => void) => () => void)((...args) => received.push(args));
    const fakeEvent = { sender: ipcRenderer, senderId: 0 };
    listeners.get(IPC.event)!(fakeEvent, { key: 'k1', type: 'status', data: { ok: 1 } });
    expect(received).toEqual([[{ key: 'k1', type: 'status', data: { ok: 1 } }]]);
    stop();
    expect(listeners.has(IPC.event)).toBe(false);
  });

  it('turns each named function into one invoke on the contract\'s channels', async () => {
    const { exposed, invoked } = loadPreload();
    const api = exposed[0]!.api as { calls: Record<string, (p?: unknown) => Promise<unknown>>; subscribe: (...a: unknown[]) => Promise<unknown>; unsubscribe: (k: string) => Promise<unknown>; stream: (...a: unknown[]) => Promise<unknown> };
    await api.calls.status!();
    await api.calls.loadModel!({ id: 'stories' });
    await api.subscribe('k1', 'status', undefined);
    await api.stream('k2', 'chat', { model: 'm' });
    await api.unsubscribe('k1');
    expect(invoked).toEqual([
      [IPC.call, 'status', undefined],
      [IPC.call, 'loadModel', { id: 'stories' }],
      [IPC.subscribe, 'k1', 'status', undefined],
      [IPC.stream, 'k2', 'chat', { model: 'm' }],
      [IPC.unsubscribe, 'k1'],
    ]);
  });
});

describe('the built desktop main (dist/main/index.js)', () => {
  it('bundles the shell as ESM and imports the engine from the files tsc built beside it', async () => {
    const main = await readFile(join(out, 'main', 'index.js'), 'utf8');
    expect(main).toMatch(/^import .* from "electron";$/m);
    expect(main).toMatch(/^import .* from "\.\/engine\.js";$/m);
    expect(main).not.toMatch(/from "\.\.\//);
    expect(main).not.toContain('require(');
  });
});
