/**
 * Binds the contract to Electron IPC. Every handler first checks the sender:
 * the frame that sent the message must be the app's own page (its file://
 * renderer, or the Vite dev server in development); anything else gets a
 * `forbidden` result and nothing runs.
 *
 * Calls, subscriptions and streams are forwarded to the engine through a
 * Transport (the in-process engine over loopback HTTP with the control token),
 * so the desktop app and the browser reach exactly the same routes. Events go
 * back to the sending window on IPC.event; a window's subscriptions end when
 * it is destroyed. Secrets never pass here: the control API only ever answers
 * "set / not set".
 *
 * Takes an ipcMain-like object so tests drive it without Electron.
 */
import {
  BRIDGE_END,
  CALLS,
  IPC,
  STREAMS,
  SUBSCRIPTIONS,
  type BridgeEvent,
  type CallName,
  type Result,
  type StreamName,
  type SubscriptionName,
  type Transport,
} from '../../preload/contract.js';

/** The part of an IpcMainInvokeEvent the binding reads. */
export interface IpcInvokeEventLike {
  readonly senderFrame: { readonly url: string } | null;
  readonly sender: IpcSenderLike;
}

export interface IpcSenderLike {
  readonly id: number;
  send(channel: string, message: BridgeEvent): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface ControlIpcOptions {
  readonly ipcMain: IpcMainLike;
  readonly transport: Transport;
  /** Whether a frame URL is the app's own page (see trustedPageUrl in window.ts). */
  readonly isTrustedUrl: (url: string) => boolean;
  /** Where refusals are noted (never with payloads). */
  readonly log?: (line: string) => void;
}

const FORBIDDEN: Result<never> = {
  ok: false,
  error: { code: 'forbidden', message: 'This window is not allowed to talk to Homeport (only the app\'s own page is).' },
};
const OK_NULL: Result<null> = { ok: true, data: null };
const MAX_KEY_LENGTH = 100;

const isName = <T extends object>(table: T, name: unknown): name is keyof T & string =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(table, name);

const badRequest = (message: string): Result<never> => ({ ok: false, error: { code: 'invalid_request', message } });

export function bindControlIpc(options: ControlIpcOptions): () => void {
  const { ipcMain, transport } = options;
  const log = options.log ?? (() => undefined);
  /** Open subscriptions and streams by `${senderId}:${key}`. */
  const open = new Map<string, () => void>();
  const watchedSenders = new Set<number>();

  function trusted(event: IpcInvokeEventLike, channel: string): boolean {
    const url = event.senderFrame?.url;
    if (url !== undefined && options.isTrustedUrl(url)) return true;
    log(`IPC ${channel} refused: the sender frame ${JSON.stringify(url ?? null)} is not the app's page`);
    return false;
  }

  function remember(sender: IpcSenderLike, key: string, stop: () => void): void {
    const id = `${sender.id}:${key}`;
    open.get(id)?.();
    open.set(id, stop);
    if (watchedSenders.has(sender.id)) return;
    watchedSenders.add(sender.id);
    sender.once('destroyed', function endSendersStreams() {
      watchedSenders.delete(sender.id);
      for (const [openId, end] of open) {
        if (openId.startsWith(`${sender.id}:`)) {
          open.delete(openId);
          end();
        }
      }
    });
  }

  const deliver = (sender: IpcSenderLike, message: BridgeEvent) => {
    if (!sender.isDestroyed()) sender.send(IPC.event, message);
  };

  const validKey = (key: unknown): key is string => typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH;

  ipcMain.handle(IPC.call, async function handleCall(event, name, params) {
    if (!trusted(event, IPC.call)) return FORBIDDEN;
    if (!isName(CALLS, name)) return badRequest(`There is no call named ${JSON.stringify(name)}.`);
    return (transport.call as (n: CallName, p?: unknown) => Promise<Result<unknown>>)(name, params);
  });

  ipcMain.handle(IPC.subscribe, function handleSubscribe(event, key, name, params) {
    if (!trusted(event, IPC.subscribe)) return FORBIDDEN;
    if (!validKey(key)) return badRequest('A subscription needs a key.');
    if (!isName(SUBSCRIPTIONS, name)) return badRequest(`There is no subscription named ${JSON.stringify(name)}.`);
    const sender = event.sender;
    const subscribe = transport.subscribe as (n: SubscriptionName, ...rest: unknown[]) => () => void;
    const listener = (message: { type: string; data: unknown }) => deliver(sender, { key, type: message.type, data: message.data });
    const stop = params === undefined ? subscribe(name, listener) : subscribe(name, params, listener);
    remember(sender, key, stop);
    return OK_NULL;
  });

  ipcMain.handle(IPC.stream, function handleStream(event, key, name, params) {
    if (!trusted(event, IPC.stream)) return FORBIDDEN;
    if (!validKey(key)) return badRequest('A stream needs a key.');
    if (!isName(STREAMS, name)) return badRequest(`There is no stream named ${JSON.stringify(name)}.`);
    const sender = event.sender;
    const stop = transport.stream(name as StreamName, params as Readonly<Record<string, unknown>>, {
      onChunk: (chunk) => deliver(sender, { key, type: 'chunk', data: chunk }),
      onDone(result) {
        open.delete(`${sender.id}:${key}`);
        deliver(sender, { key, type: BRIDGE_END, data: result });
      },
    });
    remember(sender, key, stop);
    return OK_NULL;
  });

  ipcMain.handle(IPC.unsubscribe, function handleUnsubscribe(event, key) {
    if (!trusted(event, IPC.unsubscribe)) return FORBIDDEN;
    if (!validKey(key)) return badRequest('Unsubscribing needs the key.');
    const id = `${event.sender.id}:${key}`;
    const stop = open.get(id);
    open.delete(id);
    stop?.();
    return OK_NULL;
  });

  return function unbindControlIpc() {
    for (const channel of [IPC.call, IPC.subscribe, IPC.stream, IPC.unsubscribe]) ipcMain.removeHandler(channel);
    for (const stop of open.values()) stop();
    open.clear();
  };
}
