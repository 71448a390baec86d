/**
 * The one contract between the panel and the engine.
 *
 * - A **call** is a request → result. It carries its HTTP binding as data
 *   (method + path template under /homeport/v1): the headless engine serves it,
 *   the browser transport and the desktop IPC forwarder both reach it with the
 *   same generic code (preload/http-binding.ts).
 * - A **subscription** is a stream of engine → UI events, served as
 *   server-sent events at its path; the IPC side forwards the same events.
 * - A **stream** is a call whose answer is an event stream the caller can
 *   cancel (the Playground's chat completion).
 *
 * Results are values: `{ok: true, data}` or `{ok: false, error: {code, message}}`;
 * a transport never throws at the UI.
 *
 * Binding rules (http-binding.ts): `:name` segments of the path are filled
 * from the params of the same name (URL-encoded); the other params go in the
 * query string for GET and DELETE, and in a JSON body for POST, PUT and PATCH
 * (`paramsIn: 'query'` sends them in the query for any method). A call whose
 * params are not an object (none) sends nothing.
 *
 * Only types and plain data here: the preload bundle inlines this file, so it
 * must import nothing at run time.
 */
import type { EngineStatus } from '../main/control/status.js';
import type { ModelView } from '../main/control/model-list.js';
import type { Decision } from '../main/lifecycle/decisions.js';
import type { LogLine, RuntimeSnapshot } from '../main/runtimes/types.js';
import type { LiveSample } from '../main/hardware/live.js';
import type { HardwareHistoryView } from '../main/hardware/sample-history.js';
import type {
  DownloadStreamEvents,
  DownloadView,
  FitView,
  HardwareView,
  HubFilesView,
  HubSearchView,
  LibraryView,
  PredictionView,
} from '../main/models/library/view-types.js';
import type { DailyTotals, RequestEvents, RequestQuery, RequestRecord, Tier } from '../main/requests/types.js';
import type { RoutingConfig, RoutingConfigInput } from '../main/config/routing-schema.js';
import type { CacheStats } from '../main/cache/types.js';
import type { SecretListing } from '../main/secrets/resolver.js';
import type { AppKeyRecord } from '../main/keys/key-store.js';
import type { Conversation, ConversationInput, ConversationSummary, Preset, PresetInput } from '../main/playground/schema.js';

/** GET /playground/conversations/:id/export?format=json. */
export interface ConversationExport {
  readonly format: 'homeport.playground.conversation';
  readonly version: 1;
  readonly conversation: Conversation;
}

// ------------------------------------------------------------------ results

export interface ContractError {
  /** Machine-readable, e.g. `unauthorized`, `runtime_not_found`, `engine_unreachable`. */
  readonly code: string;
  /** Words a user can act on. */
  readonly message: string;
  /** The request field the error is about (OpenAI's `param`, e.g. `max_tokens`, `cache.ttlMinutes`), when the engine names one. */
  readonly param?: string;
}

export type Result<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: ContractError };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `P` are the params, `D` the data of a successful result. `types` is never set: it only carries P and D. */
export interface CallSpec<P, D> {
  readonly method: HttpMethod;
  /** Under /homeport/v1, e.g. `/runtimes/:id/start`. */
  readonly path: string;
  readonly paramsIn?: 'query';
  readonly types?: { readonly params: P; readonly data: D };
}

/** `E` maps each SSE event name to its payload. */
export interface SubscriptionSpec<P, E extends object> {
  /** Under /homeport/v1. */
  readonly path: string;
  /** Every event name the stream sends (an EventSource-style reader listens to each). */
  readonly events: readonly (keyof E & string)[];
  /** Events after which the server ends the stream: the transport does not reconnect. */
  readonly endsAfter?: readonly (keyof E & string)[];
  readonly types?: { readonly params: P; readonly events: E };
}

/** A POST whose answer is an event stream, cancelled by the caller. `path` is absolute (it may be outside /homeport). */
export interface StreamSpec<P, C> {
  readonly method: 'POST';
  readonly path: string;
  readonly types?: { readonly params: P; readonly chunk: C };
}

/** One event of a subscription, as a tagged value. */
export type EventOf<E extends object> = { [K in keyof E & string]: { readonly type: K; readonly data: E[K] } }[keyof E & string];

const call = <P = void, D = unknown>(method: HttpMethod, path: string, extra: { paramsIn?: 'query' } = {}): CallSpec<P, D> => ({ method, path, ...extra });
const sse = <P, E extends object>(path: string, events: readonly (keyof E & string)[], endsAfter?: readonly (keyof E & string)[]): SubscriptionSpec<P, E> =>
  endsAfter ? { path, events, endsAfter } : { path, events };

// ------------------------------------------------------------------ payload types owned by the contract

/** What `GET /session` says: the token was accepted. */
export interface SessionView {
  readonly version: string;
  readonly baseUrl: string;
  /** `ipc` in the desktop app, `http` in the browser (filled by the transport). */
  readonly transport?: 'ipc' | 'http';
}

export interface ListOf<T> {
  readonly object: 'list';
  readonly data: readonly T[];
}

export interface RuntimeLogsView {
  readonly runtime: string;
  readonly lines: readonly LogLine[];
}

/** `GET /runtimes`: external runtimes as detected, what cannot serve and why, what Homeport owns or attached to. */
export interface RuntimesInfoView {
  /** Each runtime's latest detection, with `detectedAt` / `goneSince` (ISO times, null when never / still there). */
  readonly detected: readonly Record<string, unknown>[];
  /** Models a running server offered and no longer does. */
  readonly gone?: readonly { readonly id: string; readonly runtime: string; readonly upstreamModel: string; readonly detectedAt: string | null; readonly goneSince: string }[];
  readonly unavailable: readonly { readonly runtime: string; readonly model?: string; readonly reason: string }[];
  readonly owners: readonly { readonly kind: string; readonly runtime: string; readonly attached: boolean; readonly state: string }[];
}

export interface RuntimesRefreshView {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly problems: readonly unknown[];
}

export interface SetupParams {
  /** Context tokens per slot. */
  readonly ctx?: number;
  readonly slots?: number;
  readonly kv?: 'f16' | 'q8_0' | 'q4_0';
}

/** Per-model settings, applied the same from the panel, the API and on-demand loads (main/control/model-routes.ts). */
export interface ModelSettings {
  /** Context tokens per slot. */
  readonly ctx: number;
  readonly parallel: number;
  /** Layers offloaded to the GPU; null = as many as fit (the runtime decides). */
  readonly gpuLayers: number | null;
  /** Idle minutes before unloading; null = the engine default, 0 = never. */
  readonly ttlMinutes: number | null;
  readonly aliases: readonly string[];
}

export interface ModelSettingsView {
  readonly id: string;
  readonly settings: ModelSettings;
  /** The model is loaded with other values: ctx and parallel apply at its next load (unload and load it). */
  readonly appliesOnNextLoad: boolean;
  /** Saved, but only used from the next start of Homeport (e.g. ttlMinutes). */
  readonly restartRequired: readonly (keyof ModelSettings)[];
  /** Settings this model's runtime cannot change (an attached server, a daemon's own model, GPU layers on a CPU-only runtime). */
  readonly readOnly: readonly (keyof ModelSettings)[];
  /** Why any of them is read-only, in words. */
  readonly reason: string | null;
}

export type ThemePreference = 'system' | 'light' | 'dark';

/** App-wide settings (main/control/settings-routes.ts). Cloud keys are not here: see `secrets`. */
export interface AppSettings {
  readonly port: number;
  /** Minutes a model may stay idle before it is unloaded; 0 = never. */
  readonly idleTtlMinutes: number;
  /** Bytes the loaded models may use together; 0 = no budget (the machine's memory decides). */
  readonly memoryBudgetBytes: number;
  /** How many models may be loaded at once; 0 = no limit. */
  readonly maxLoadedModels: number;
  /** The response cache (the semantic threshold is per route: see `routing`). */
  readonly cache: { readonly enabled: boolean; readonly ttlMinutes: number; readonly maxBytes: number };
  /** Local only: no request leaves this machine. */
  readonly privacy: boolean;
  readonly startOnLogin: boolean;
  readonly closeToTray: boolean;
  readonly theme: ThemePreference;
}

export interface SettingsView {
  readonly settings: AppSettings;
  /** Settings in effect now. */
  readonly applied: readonly (keyof AppSettings)[];
  /** Settings saved but waiting for a restart (e.g. `port`). */
  readonly restartRequired: readonly (keyof AppSettings)[];
  /** Settings this engine cannot apply (startOnLogin outside the desktop app), each with why. */
  readonly unavailable: Readonly<Partial<Record<keyof AppSettings, string>>>;
  /** How secrets (cloud keys, the HF token) are kept here; `weak` and `file` are said plainly in the panel. */
  readonly secretStorage: { readonly protection: SecretProtection; readonly detail: string };
  /** The config file the settings are saved in. */
  readonly configFile: string;
}

export type SettingsPatch = { readonly [K in keyof AppSettings]?: AppSettings[K] extends object ? Partial<AppSettings[K]> : AppSettings[K] };

/** `os`: the OS keychain (safeStorage); `weak`: obfuscated only (Linux basic_text); `file`: a 0600 file (headless). */
export type SecretProtection = 'os' | 'weak' | 'file';

/** A secret as the panel sees it (GET /secrets): set or not and from where, never its value. */
export type SecretView = SecretListing;

/** Whether a provider's key is set, in place of the key itself. */
export interface KeyStatus {
  readonly secret: string;
  readonly set: boolean;
  readonly source?: SecretListing['source'];
  readonly env?: readonly string[];
}

/** GET /routing: the routing section of the config, each provider with its key status (never the key). */
export type RoutingView = Omit<RoutingConfig, 'providers'> & {
  readonly providers: Readonly<Record<string, RoutingConfig['providers'][string] & { readonly apiKey: KeyStatus }>>;
  /** The engine's words about targets naming no model it serves now (read-only: a PUT drops it). */
  readonly warnings?: readonly string[];
};

/** GET /providers: each provider's tier, health, breakers and spend today. */
export interface ProviderView {
  readonly name: string;
  readonly kind: string;
  readonly baseUrl: string;
  readonly tier: 'network' | 'cloud';
  readonly onLan: boolean;
  readonly allowedInPrivacyMode: boolean;
  readonly apiKey: KeyStatus;
  readonly health: { readonly ok: boolean; readonly reason: string; readonly checkedAt: number } | null;
  readonly load: unknown;
  readonly breakers: Readonly<Record<string, unknown>>;
  readonly spentTodayUsd: number;
  readonly dailyBudgetUsd: number | null;
  readonly budgetLeftUsd: number | null;
  /** Fields the routing room may add later. */
  readonly [field: string]: unknown;
}

export type CacheStatsView = CacheStats & { readonly enabled: boolean };
/** One chunk of a streamed chat completion (OpenAI `chat.completion.chunk`), plus Homeport's own events. */
export type ChatChunk = Readonly<Record<string, unknown>>;

// ------------------------------------------------------------------ event maps

export interface StatusEvents {
  status: EngineStatus;
}
export interface ModelEvents {
  /** The whole model list, sent on connect and whenever a model's state changes. */
  models: ListOf<ModelView>;
  /** A load/evict/unload decision with its reason. */
  decision: Decision;
}
export interface RuntimeLogEvents {
  /** New lines since the last event, oldest first (the first event carries the buffer so far). */
  lines: RuntimeLogsView;
}
export interface HardwareEvents {
  sample: LiveSample;
}

// ------------------------------------------------------------------ the contract

export const CALLS = {
  // engine
  session: call<void, SessionView>('GET', '/session'),
  status: call<void, EngineStatus>('GET', '/status'),
  settings: call<void, SettingsView>('GET', '/settings'),
  updateSettings: call<SettingsPatch, SettingsView>('PATCH', '/settings'),

  // models and lifecycle
  models: call<void, ListOf<ModelView>>('GET', '/models'),
  decisions: call<{ limit?: number }, ListOf<Decision>>('GET', '/decisions'),
  loadModel: call<{ id: string }, ModelView>('POST', '/models/:id/load'),
  unloadModel: call<{ id: string }, ModelView>('POST', '/models/:id/unload'),
  modelSettings: call<{ id: string }, ModelSettingsView>('GET', '/models/:id/settings'),
  updateModelSettings: call<{ id: string } & Partial<ModelSettings>, ModelSettingsView>('PATCH', '/models/:id/settings'),

  // runtimes
  runtimes: call<void, RuntimesInfoView>('GET', '/runtimes'),
  refreshRuntimes: call<void, RuntimesRefreshView>('POST', '/runtimes/refresh'),
  runtimeLogs: call<{ id: string }, RuntimeLogsView>('GET', '/runtimes/:id/logs'),
  startRuntime: call<{ id: string }, RuntimeSnapshot>('POST', '/runtimes/:id/start'),
  stopRuntime: call<{ id: string }, RuntimeSnapshot>('POST', '/runtimes/:id/stop'),
  restartRuntime: call<{ id: string }, RuntimeSnapshot>('POST', '/runtimes/:id/restart'),

  // hardware, library, fit
  hardware: call<void, HardwareView>('GET', '/hardware'),
  refreshHardware: call<void, HardwareView>('POST', '/hardware/refresh'),
  /** The RAM and CPU samples the engine kept (the last 10 minutes), so a chart draws them on open. */
  hardwareHistory: call<{ since?: number }, HardwareHistoryView>('GET', '/hardware/history'),
  library: call<SetupParams, LibraryView>('GET', '/library'),
  rescanLibrary: call<SetupParams, LibraryView>('POST', '/library/rescan', { paramsIn: 'query' }),
  fit: call<{ id: string } & SetupParams, FitView>('GET', '/library/:id/fit'),
  prediction: call<{ id: string; gpuLayers?: number } & SetupParams, PredictionView>('GET', '/library/:id/prediction'),
  /** Serve a library model that is not served yet (kept in the config); then `loadModel` loads it. */
  serveLibraryModel: call<{ id: string }, { id: string; path: string }>('POST', '/library/:id/serve'),
  /** Folders added to the scan (the usual ones are always scanned). */
  modelFolders: call<void, { folders: readonly string[] }>('GET', '/library/folders'),
  setModelFolders: call<{ folders: readonly string[] }, { folders: readonly string[] }>('PUT', '/library/folders'),

  // Hugging Face and downloads
  searchHub: call<{ q?: string; limit?: number }, HubSearchView>('POST', '/hub/search'),
  hubFiles: call<{ owner: string; name: string; revision?: string }, HubFilesView>('POST', '/hub/repos/:owner/:name/files'),
  startDownload: call<{ repo: string; file: string }, DownloadView>('POST', '/downloads'),
  downloads: call<void, { downloads: readonly DownloadView[] }>('GET', '/downloads'),
  download: call<{ id: string }, DownloadView>('GET', '/downloads/:id'),
  cancelDownload: call<{ id: string }, DownloadView>('DELETE', '/downloads/:id'),

  // request log (main/requests)
  /** Newest first; `inFlight` are the requests being answered now. */
  requests: call<RequestQuery, { records: readonly RequestRecord[]; inFlight: readonly RequestRecord[] }>('GET', '/requests'),
  request: call<{ id: string }, RequestRecord>('GET', '/requests/:id'),
  requestTotals: call<{ days?: number }, { days: readonly DailyTotals[] }>('GET', '/requests/totals'),

  // routing, providers, cache, secrets (main/routing, main/cache, main/secrets)
  routing: call<void, RoutingView>('GET', '/routing'),
  /** Validated, saved to the config file, applied without a restart. */
  updateRouting: call<RoutingConfigInput, RoutingView>('PUT', '/routing'),
  providers: call<void, ListOf<ProviderView> & { privacy: boolean }>('GET', '/providers'),
  cache: call<void, CacheStatsView>('GET', '/cache'),
  clearCache: call<{ route?: string }, { removed: number; route?: string }>('DELETE', '/cache'),
  secrets: call<void, ListOf<SecretView>>('GET', '/secrets'),
  /** 204: data is null. The value goes in; it never comes back out. */
  setSecret: call<{ name: string; value: string }, null>('PUT', '/secrets/:name'),
  deleteSecret: call<{ name: string }, null>('DELETE', '/secrets/:name'),
  /** Per-app API keys for /v1 (none = no key needed). */
  keys: call<void, { keys: readonly AppKeyRecord[]; required: boolean }>('GET', '/keys'),
  /** The new key is in this answer only (the engine keeps its hash); show it once. */
  createKey: call<{ name: string; models?: readonly string[] }, { key: string; record: AppKeyRecord; warnings: readonly string[] }>('POST', '/keys'),
  revokeKey: call<{ name: string }, { revoked: string; required: boolean }>('DELETE', '/keys/:name'),

  // playground store (conversations and presets, SQLite: main/control/playground-routes.ts)
  conversations: call<{ q?: string; limit?: number }, ListOf<ConversationSummary>>('GET', '/playground/conversations'),
  conversation: call<{ id: string }, Conversation>('GET', '/playground/conversations/:id'),
  createConversation: call<ConversationInput, Conversation>('POST', '/playground/conversations'),
  /** Saves (creates or replaces) under the id. */
  updateConversation: call<{ id: string } & ConversationInput, Conversation>('PUT', '/playground/conversations/:id'),
  /** 204: the data is empty. */
  deleteConversation: call<{ id: string }, unknown>('DELETE', '/playground/conversations/:id'),
  /** JSON export is `{format, version, conversation}`; Markdown export is text. */
  exportConversation: call<{ id: string; format: 'json' | 'markdown' }, ConversationExport | string>('GET', '/playground/conversations/:id/export'),
  presets: call<void, ListOf<Preset>>('GET', '/playground/presets'),
  createPreset: call<PresetInput, Preset>('POST', '/playground/presets'),
  updatePreset: call<{ id: string } & PresetInput, Preset>('PUT', '/playground/presets/:id'),
  deletePreset: call<{ id: string }, unknown>('DELETE', '/playground/presets/:id'),
} as const;

export const SUBSCRIPTIONS = {
  /** The engine status once on connect, then every second and on every runtime state change. */
  status: sse<void, StatusEvents>('/events/status', ['status']),
  /** Model state: the list on connect and on every change, plus lifecycle decisions. */
  models: sse<void, ModelEvents>('/events/models', ['models', 'decision']),
  runtimeLogs: sse<{ id: string }, RuntimeLogEvents>('/runtimes/:id/logs/events', ['lines']),
  hardwareLive: sse<void, HardwareEvents>('/hardware/live', ['sample']),
  download: sse<{ id: string }, DownloadStreamEvents>(
    '/downloads/:id/events',
    ['state', 'progress', 'verifying', 'done', 'error', 'cancelled'],
    ['done', 'error', 'cancelled'],
  ),
  /** Live requests: started, phase changes (with tok/s so far), finished. */
  requests: sse<void, RequestEvents>('/requests/events', ['started', 'phase', 'finished']),
} as const;

export const STREAMS = {
  /** OpenAI chat completion with `stream: true`; the body is the request as the OpenAI API takes it. */
  chat: { method: 'POST', path: '/v1/chat/completions' } as StreamSpec<Readonly<Record<string, unknown>>, ChatChunk>,
} as const;

export type Calls = typeof CALLS;
export type Subscriptions = typeof SUBSCRIPTIONS;
export type Streams = typeof STREAMS;
export type CallName = keyof Calls;
export type SubscriptionName = keyof Subscriptions;
export type StreamName = keyof Streams;

// Read through the phantom `types` field, which every kind of spec carries.
export type ParamsOf<S> = S extends { readonly types?: { readonly params: infer P } } ? P : never;
export type DataOf<S> = S extends { readonly types?: { readonly data: infer D } } ? D : never;
export type EventsOf<S> = S extends { readonly types?: { readonly events: infer E extends object } } ? E : never;
export type ChunkOf<S> = S extends { readonly types?: { readonly chunk: infer C } } ? C : never;

/** Calls without params take none; the others take them as one object. */
export type CallArgs<N extends CallName> = ParamsOf<Calls[N]> extends void ? [] : [params: ParamsOf<Calls[N]>];
export type SubscribeArgs<N extends SubscriptionName> = ParamsOf<Subscriptions[N]> extends void ? [] : [params: ParamsOf<Subscriptions[N]>];

export type Unsubscribe = () => void;
export type SubscriptionEvent<N extends SubscriptionName> = EventOf<EventsOf<Subscriptions[N]>>;

/** Where the connection to the engine stands; the panel shows it (e.g. "Disconnected — retrying in 3 s"). */
export type ConnectionState =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'retrying'; readonly retryAt: number; readonly attempt: number; readonly reason: string }
  | { readonly kind: 'unauthorized'; readonly message: string };

/** What the panel gets from a transport, in the desktop app and in the browser alike. */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  call<N extends CallName>(name: N, ...args: CallArgs<N>): Promise<Result<DataOf<Calls[N]>>>;
  subscribe<N extends SubscriptionName>(name: N, ...args: [...SubscribeArgs<N>, listener: (event: SubscriptionEvent<N>) => void]): Unsubscribe;
  /** Starts a stream; chunks arrive in order; `done` fires once with the outcome; the returned function cancels upstream. */
  stream<N extends StreamName>(
    name: N,
    params: ParamsOf<Streams[N]>,
    handlers: { readonly onChunk: (chunk: ChunkOf<Streams[N]>) => void; readonly onDone: (result: Result<{ readonly cancelled: boolean }>) => void },
  ): Unsubscribe;
  readonly connection: {
    get(): ConnectionState;
    subscribe(listener: (state: ConnectionState) => void): Unsubscribe;
  };
}

// ------------------------------------------------------------------ IPC

/**
 * The desktop bridge: what the preload exposes as `window.homeport`. Only
 * these named functions cross the context bridge (never `ipcRenderer`).
 * Subscriptions and streams are identified by a renderer-chosen key; main
 * sends their events on `IPC.event` as `{ key, type, data }` and ends them
 * with `{ key, type: '$end', data: Result }`.
 */
export interface DesktopBridge {
  /** One named function per call of CALLS, e.g. `calls.status()`, `calls.loadModel({ id })`. */
  readonly calls: { readonly [N in CallName]: (params?: unknown) => Promise<Result<unknown>> };
  subscribe(key: string, name: string, params: unknown): Promise<Result<null>>;
  /** Ends a subscription or cancels a stream. */
  unsubscribe(key: string): Promise<Result<null>>;
  stream(key: string, name: string, params: unknown): Promise<Result<null>>;
  onEvent(listener: (message: BridgeEvent) => void): Unsubscribe;
}

export interface BridgeEvent {
  readonly key: string;
  readonly type: string;
  readonly data: unknown;
}

/** The IPC channels; one map drives ipcMain.handle in main and ipcRenderer.invoke in the preload. */
export const IPC = {
  call: 'homeport:call',
  subscribe: 'homeport:subscribe',
  unsubscribe: 'homeport:unsubscribe',
  stream: 'homeport:stream',
  event: 'homeport:event',
} as const;

/** The name of the end-of-stream message on IPC.event. */
export const BRIDGE_END = '$end';

export type { EngineStatus, LogLine, RuntimeSnapshot, ModelView, Decision, LiveSample, RequestRecord, RequestEvents, DailyTotals, Tier };
export type { Conversation, ConversationInput, ConversationSummary, Preset, PresetInput, AppKeyRecord };
export type { DownloadStreamEvents, DownloadView, FitView, HardwareView, HubFilesView, HubSearchView, LibraryView, PredictionView };
export type { HardwareHistoryView };
