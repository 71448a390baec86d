import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindControlIpc, type IpcInvokeEventLike, type IpcMainLike, type IpcSenderLike } from '../../main/ipc/control.js';
import { createTrustedPagePolicy } from '../../main/ipc/trusted-page.js';
import { BRIDGE_END, IPC, type BridgeEvent, type Result, type Transport } from '../../preload/contract.js';
import { createHttpTransport } from '../../renderer/lib/transport-http.js';
import { startControlHarness, TEST_CONTROL_TOKEN, type ControlHarness } from '../control/harness.js';
import type { HardwareView } from '../../main/models/library/service.js';

// The IPC binding without Electron: a fake ipcMain records the handlers, fake senders record what main
// sends back, and the binding forwards to the real control API (hardware, library, downloads on a real
// gateway with the token) through the same HTTP transport the browser uses.

const APP_PAGE = 'file:///opt/Homeport/resources/app.asar/dist/renderer/index.html';
const isTrustedUrl = createTrustedPagePolicy({ rendererIndexUrl: APP_PAGE });

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke(channel, ...args) from `frameUrl` would get back. */
  async invoke(sender: FakeSender, frameUrl: string | null, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender, senderFrame: frameUrl === null ? null : { url: frameUrl } }, ...args);
  }
}

let nextSenderId = 1;
class FakeSender implements IpcSenderLike {
  readonly id = nextSenderId++;
  readonly sent: BridgeEvent[] = [];
  private destroyed = false;
  private onDestroyed: (() => void)[] = [];
  send(channel: string, message: BridgeEvent): void {
    if (channel !== IPC.event) throw new Error(`unexpected channel ${channel}`);
    this.sent.push(message);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  once(_event: 'destroyed', listener: () => void): void {
    this.onDestroyed.push(listener);
  }
  destroy(): void {
    this.destroyed = true;
    for (const listener of this.onDestroyed.splice(0)) listener();
  }
  async waitFor(predicate: (events: BridgeEvent[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.sent)) {
      if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms; got ${JSON.stringify(this.sent).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Counts what reaches the transport, to prove refused calls never do. */
function counting(inner: Transport): Transport & { readonly count: () => number } {
  let n = 0;
  return {
    kind: inner.kind,
    connection: inner.connection,
    call: ((...args: Parameters<Transport['call']>) => (n++, inner.call(...args))) as Transport['call'],
    subscribe: ((...args: Parameters<Transport['subscribe']>) => (n++, inner.subscribe(...args))) as Transport['subscribe'],
    stream: ((...args: Parameters<Transport['stream']>) => (n++, inner.stream(...args))) as Transport['stream'],
    count: () => n,
  };
}

let h: ControlHarness;
let ipc: FakeIpcMain;
let transport: ReturnType<typeof counting>;
let unbind: () => void;
const refused: string[] = [];

beforeAll(async () => {
  h = await startControlHarness({ liveIntervalMs: 20 });
  ipc = new FakeIpcMain();
  transport = counting(createHttpTransport({ baseUrl: new URL(h.baseUrl).origin, token: TEST_CONTROL_TOKEN }));
  unbind = bindControlIpc({ ipcMain: ipc, transport, isTrustedUrl, log: (line) => refused.push(line) });
});

afterAll(async () => {
  unbind?.();
  await h?.close();
});

describe('calls over IPC', () => {
  it('answers the app page with the engine\'s data as a result value', async () => {
    const result = (await ipc.invoke(new FakeSender(), `${APP_PAGE}#/hardware`, IPC.call, 'hardware', undefined)) as Result<HardwareView>;
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.data.gpus[0]?.model).toBe('NVIDIA GeForce RTX 4060');
  });

  it('passes params through the contract\'s binding and returns engine errors as values', async () => {
    const missing = (await ipc.invoke(new FakeSender(), APP_PAGE, IPC.call, 'fit', { id: 'no-such-model', ctx: 1024 })) as Result<unknown>;
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.error.code).toMatch(/not_found/);
      expect(missing.error.message).toMatch(/no-such-model/);
    }
    const bad = (await ipc.invoke(new FakeSender(), APP_PAGE, IPC.call, 'library', { ctx: 0 })) as Result<unknown>;
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_value' } });
  });

  it('refuses a foreign frame, another local file, a data: URL and a frame-less sender, without touching the engine', async () => {
    const before = transport.count();
    for (const url of ['https://evil.example/', 'file:///tmp/evil.html', 'data:text/html,<script>1</script>', 'about:blank', null]) {
      for (const [channel, args] of [
        [IPC.call, ['hardware', undefined]],
        [IPC.subscribe, ['k', 'hardwareLive', undefined]],
        [IPC.stream, ['k', 'chat', {}]],
        [IPC.unsubscribe, ['k']],
      ] as const) {
        const result = (await ipc.invoke(new FakeSender(), url, channel, ...args)) as Result<unknown>;
        expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
    }
    expect(transport.count()).toBe(before);
    expect(refused.some((line) => line.includes('https://evil.example/'))).toBe(true);
  });

  it('refuses names that are not in the contract, including inherited ones', async () => {
    for (const name of ['nope', '__proto__', 'constructor', 'toString', 42]) {
      const result = (await ipc.invoke(new FakeSender(), APP_PAGE, IPC.call, name, undefined)) as Result<unknown>;
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    const sub = (await ipc.invoke(new FakeSender(), APP_PAGE, IPC.subscribe, 'k', 'secrets', undefined)) as Result<unknown>;
    expect(sub).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });
});

describe('subscriptions over IPC', () => {
  it('forwards events to the sending window under its key, and stops on unsubscribe', async () => {
    const window = new FakeSender();
    expect(await ipc.invoke(window, APP_PAGE, IPC.subscribe, 'live-1', 'hardwareLive', undefined)).toEqual({ ok: true, data: null });
    await window.waitFor((events) => events.filter((e) => e.key === 'live-1' && e.type === 'sample').length >= 2);
    const sample = window.sent.find((e) => e.type === 'sample')!.data as { ram: { totalBytes: number } };
    expect(sample.ram.totalBytes).toBe(16 * 1024 ** 3);

    expect(await ipc.invoke(window, APP_PAGE, IPC.unsubscribe, 'live-1')).toEqual({ ok: true, data: null });
    await new Promise((r) => setTimeout(r, 100));
    const count = window.sent.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(window.sent.length).toBe(count);
  });

  it('ends a window\'s subscriptions when the window is destroyed', async () => {
    const window = new FakeSender();
    await ipc.invoke(window, APP_PAGE, IPC.subscribe, 'live-2', 'hardwareLive', undefined);
    await window.waitFor((events) => events.some((e) => e.key === 'live-2'));
    window.destroy();
    await new Promise((r) => setTimeout(r, 150));
    const count = window.sent.length;
    // The engine's stream closed too: with no listener left, the live monitor stops polling.
    const polls = h.livePolls();
    await new Promise((r) => setTimeout(r, 200));
    expect(window.sent.length).toBe(count);
    expect(h.livePolls()).toBe(polls);
  });

  it('keeps two windows apart: the same key in two windows are two subscriptions', async () => {
    const a = new FakeSender();
    const b = new FakeSender();
    await ipc.invoke(a, APP_PAGE, IPC.subscribe, 'same', 'hardwareLive', undefined);
    await ipc.invoke(b, APP_PAGE, IPC.subscribe, 'same', 'hardwareLive', undefined);
    await a.waitFor((events) => events.length > 0);
    await b.waitFor((events) => events.length > 0);
    await ipc.invoke(a, APP_PAGE, IPC.unsubscribe, 'same');
    const bCount = b.sent.length;
    await b.waitFor((events) => events.length > bCount);
    await ipc.invoke(b, APP_PAGE, IPC.unsubscribe, 'same');
  });
});

describe('streams over IPC', () => {
  it('forwards chunks in order and ends with the result; a cancel reaches the transport', async () => {
    let cancelled = false;
    const fake: Transport = {
      kind: 'http',
      connection: transport.connection,
      call: transport.call,
      subscribe: transport.subscribe,
      stream(_name, params, handlers) {
        const timers = [
          setTimeout(() => handlers.onChunk({ n: 1, echo: (params as { model: string }).model } as never), 5),
          setTimeout(() => handlers.onChunk({ n: 2 } as never), 10),
          setTimeout(() => handlers.onDone({ ok: true, data: { cancelled: false } }), 15),
        ];
        return () => {
          cancelled = true;
          timers.forEach(clearTimeout);
          handlers.onDone({ ok: true, data: { cancelled: true } });
        };
      },
    };
    const own = new FakeIpcMain();
    const stop = bindControlIpc({ ipcMain: own, transport: fake, isTrustedUrl });
    try {
      const window = new FakeSender();
      await own.invoke(window, APP_PAGE, IPC.stream, 's1', 'chat', { model: 'stories' });
      await window.waitFor((events) => events.some((e) => e.type === BRIDGE_END));
      expect(window.sent).toEqual([
        { key: 's1', type: 'chunk', data: { n: 1, echo: 'stories' } },
        { key: 's1', type: 'chunk', data: { n: 2 } },
        { key: 's1', type: BRIDGE_END, data: { ok: true, data: { cancelled: false } } },
      ]);

      const second = new FakeSender();
      await own.invoke(second, APP_PAGE, IPC.stream, 's2', 'chat', { model: 'stories' });
      await own.invoke(second, APP_PAGE, IPC.unsubscribe, 's2');
      expect(cancelled).toBe(true);
      expect(second.sent.at(-1)).toEqual({ key: 's2', type: BRIDGE_END, data: { ok: true, data: { cancelled: true } } });
    } finally {
      stop();
    }
  });
});

describe('the trusted page policy', () => {
  it('accepts the app\'s own index.html with any route, and the dev server only when configured', () => {
    expect(isTrustedUrl(APP_PAGE)).toBe(true);
    expect(isTrustedUrl(`${APP_PAGE}?x=1#/models`)).toBe(true);
    expect(isTrustedUrl('file:///opt/Homeport/resources/app.asar/dist/renderer/other.html')).toBe(false);
    expect(isTrustedUrl('http://127.0.0.1:5173/')).toBe(false);
    const dev = createTrustedPagePolicy({ rendererIndexUrl: APP_PAGE, devServerUrl: 'http://127.0.0.1:5173' });
    expect(dev('http://127.0.0.1:5173/#/models')).toBe(true);
    expect(dev('http://127.0.0.1:5174/')).toBe(false);
    expect(dev('http://localhost:5173/')).toBe(false);
    expect(() => createTrustedPagePolicy({ rendererIndexUrl: APP_PAGE, devServerUrl: 'https://example.com' })).toThrow();
    expect(isTrustedUrl('not a url')).toBe(false);
    const app = createTrustedPagePolicy({ appOrigin: 'homeport://app' });
    expect(app('homeport://app/')).toBe(true);
    expect(app('homeport://app/index.html#/models')).toBe(true);
    expect(app('homeport://other/')).toBe(false);
    expect(app('homeport://app.evil/')).toBe(false);
    expect(app('https://app/')).toBe(false);
    expect(app(APP_PAGE)).toBe(false);
  });
});

describe('unbinding', () => {
  it('removes every handler it added', () => {
    const own = new FakeIpcMain();
    const stop = bindControlIpc({ ipcMain: own, transport, isTrustedUrl });
    expect([...own.handlers.keys()].sort()).toEqual([IPC.call, IPC.stream, IPC.subscribe, IPC.unsubscribe].sort());
    stop();
    expect(own.handlers.size).toBe(0);
  });
});
