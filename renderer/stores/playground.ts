/**
 * The Playground: settings (system prompt, sampling parameters), one lane per
 * target (one lane = a chat; two or more = side by side, the same prompt to
 * each, streaming in parallel), the saved conversations and presets.
 *
 * Chat goes through the public /v1/chat/completions endpoint like any app
 * (see features/playground/chat-stream.ts, read in a worker where one can run:
 * worker-chat-streamer.ts); everything else goes through the
 * transport. Tokens are applied at most 20 times a second, on an animation
 * frame, so a fast stream costs a few renders a second, not one per token.
 */
import { create } from 'zustand';
import type { ContractError, ListOf, ModelView, Transport } from '../../preload/contract.js';
import type { Conversation, ConversationSummary, Lane, MessageStats, PlaygroundTarget, Preset, SamplingParameters } from '../../main/playground/schema.js';
import { buildChatRequest, type ChatTurn } from '../features/playground/chat-request.js';
import type { ChatOutcome, ChatResponseInfo, ChatStreamer } from '../features/playground/chat-stream.js';
import { createWorkerChatStreamer } from '../features/playground/worker-chat-streamer.js';
import { tierHeaders, type TierChoice } from '../features/playground/forced-tier.js';
import { samplingBlocker, type SamplingAction } from '../features/playground/sampling-limits.js';
import { createFrameBatch, LIVE_TEXT_INTERVAL_MS, pacedFrames, type FrameScheduler } from '../lib/frame-batch.js';
import { transport as defaultTransport } from '../lib/transport.js';

export interface PlaygroundMessage {
  readonly id: string;
  readonly role: 'user' | 'assistant';
  readonly content: string;
  readonly stats?: MessageStats;
  /** Tokens are still arriving. */
  readonly streaming?: boolean;
}

/** The last exchange of a lane, as sent and as received, for the raw view. */
export interface RawExchange {
  readonly request: Record<string, unknown>;
  /** Request headers Homeport reads beyond the body (e.g. `x-homeport-tier`). */
  readonly requestHeaders?: Readonly<Record<string, string>>;
  readonly response?: { readonly status: number; readonly headers: Readonly<Record<string, string>> };
  /** The events as received (at most RAW_EVENTS_KEPT, the newest dropped beyond that). */
  readonly events: readonly { readonly event: string; readonly data: unknown }[];
  readonly truncated: boolean;
}

export interface LaneState {
  readonly key: string;
  readonly target: PlaygroundTarget;
  readonly messages: readonly PlaygroundMessage[];
  readonly raw: RawExchange | null;
}

export interface TargetChoice {
  readonly kind: 'model' | 'route';
  readonly id: string;
  /** What the picker shows next to it, e.g. "loaded", "route: 3 targets". */
  readonly detail: string;
}

export interface PlaygroundState {
  readonly systemPrompt: string;
  readonly parameters: SamplingParameters;
  /** Auto, or the tier every request is forced to (sent as `x-homeport-tier`). */
  readonly forcedTier: TierChoice;
  readonly lanes: readonly LaneState[];
  /** Lanes (by key) with a stream in flight. */
  readonly streaming: Readonly<Record<string, true>>;
  readonly targets: readonly TargetChoice[];
  readonly targetsError: ContractError | null;
  /** The saved conversation this is, once saved. */
  readonly conversationId: string | null;
  readonly title: string;
  /** Changed since the last save. */
  readonly dirty: boolean;
  readonly conversations: readonly ConversationSummary[];
  readonly search: string;
  readonly presets: readonly Preset[];
  /** The last thing that went wrong outside a message (saving, loading a list), in words. */
  readonly error: ContractError | null;
  /** A short confirmation ("Saved"). */
  readonly notice: string | null;

  loadTargets(): Promise<void>;
  setSystemPrompt(text: string): void;
  setParameters(patch: Partial<SamplingParameters>): void;
  setForcedTier(choice: TierChoice): void;
  setTarget(laneKey: string, target: PlaygroundTarget): void;
  addLane(target?: PlaygroundTarget): void;
  removeLane(laneKey: string): void;
  /** Sends a user message to every lane at once. */
  send(text: string): void;
  /** Stops every stream in flight (each keeps what arrived). */
  stop(): void;
  /** Answers the last user message again in every lane (or one). */
  regenerate(laneKey?: string): void;
  /** Replaces a user message (the same turn in every lane), drops what followed it, and sends it again. */
  editAndResend(laneKey: string, messageId: string, text: string): void;
  newConversation(): void;
  save(title?: string): Promise<boolean>;
  open(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  setSearch(text: string): void;
  refreshConversations(): Promise<void>;
  /** The file text of a saved conversation ('' on failure, with `error` set). */
  exportConversation(id: string, format: 'json' | 'markdown'): Promise<string>;
  refreshPresets(): Promise<void>;
  savePreset(name: string): Promise<boolean>;
  applyPreset(id: string): void;
  deletePreset(id: string): Promise<void>;
  dismissError(): void;
}

export interface PlaygroundStoreOptions {
  readonly transport?: () => Transport;
  readonly streamer?: ChatStreamer;
  /** Where /v1 is: same origin in the browser (known at once); the engine's URL in the desktop app (asked). */
  readonly endpoint?: () => string | Promise<string>;
  readonly scheduler?: FrameScheduler;
  readonly now?: () => number;
}

/** Raw events kept per lane for the raw view. */
export const RAW_EVENTS_KEPT = 400;

export const DEFAULT_PARAMETERS: SamplingParameters = { temperature: 0.7, maxTokens: 512 };

interface ActiveStream {
  readonly laneKey: string;
  readonly messageId: string;
  readonly sentAt: number;
  firstTokenAt: number | null;
  lastTokenAt: number | null;
  deltas: number;
  cancel: () => void;
}

type Pending =
  | { readonly kind: 'delta'; readonly laneKey: string; readonly messageId: string; readonly text: string }
  | { readonly kind: 'raw'; readonly laneKey: string; readonly event: string; readonly data: unknown };

export function createPlaygroundStore(options: PlaygroundStoreOptions = {}) {
  const transport = options.transport ?? defaultTransport;
  const workerStreamer = options.streamer ? null : createWorkerChatStreamer({ rawLimit: RAW_EVENTS_KEPT });
  const streamer = options.streamer ?? workerStreamer!;
  const now = options.now ?? (() => performance.now());
  const endpoint = options.endpoint ?? (() => defaultEndpoint(transport()));
  const active = new Map<string, ActiveStream>();
  let nextId = 1;
  const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(nextId++).toString(36)}`;

  const useStore = create<PlaygroundState>()((set, get) => {
    const updateLane = (laneKey: string, update: (lane: LaneState) => LaneState) =>
      set((state) => ({ lanes: state.lanes.map((lane) => (lane.key === laneKey ? update(lane) : lane)) }));
    const updateMessage = (laneKey: string, messageId: string, update: (message: PlaygroundMessage) => PlaygroundMessage) =>
      updateLane(laneKey, (lane) => ({ ...lane, messages: lane.messages.map((m) => (m.id === messageId ? update(m) : m)) }));

    /** Parameters the engine would refuse: nothing is sent or changed, and the reason is shown. The controls say so first. */
    const refusesParameters = (action: SamplingAction): boolean => {
      const reason = samplingBlocker(get().parameters, action);
      if (reason) set({ error: { code: 'invalid_parameters', message: reason } });
      return reason !== null;
    };

    /** Starts one lane's answer to its conversation so far (which ends with a user message). */
    function startLane(laneKey: string, endpointUrl: string) {
      const lane = get().lanes.find((l) => l.key === laneKey);
      if (!lane) return;
      const turns: ChatTurn[] = lane.messages.filter((m) => !m.stats?.error).map((m) => ({ role: m.role, content: m.content }));
      const body = buildChatRequest({ target: lane.target, systemPrompt: get().systemPrompt, parameters: get().parameters, turns });
      const messageId = newId('m');
      const forced = get().forcedTier;
      const headers = tierHeaders(forced);
      updateLane(laneKey, (l) => ({
        ...l,
        messages: [...l.messages, { id: messageId, role: 'assistant', content: '', streaming: true, stats: { model: l.target.id, ...(forced !== 'auto' ? { forcedTier: forced } : {}) } }],
        raw: { request: body, ...(Object.keys(headers).length ? { requestHeaders: headers } : {}), events: [], truncated: false },
      }));
      set((state) => ({ streaming: { ...state.streaming, [laneKey]: true } }));
      const stream: ActiveStream = { laneKey, messageId, sentAt: now(), firstTokenAt: null, lastTokenAt: null, deltas: 0, cancel: () => undefined };
      active.set(laneKey, stream);
      let usage: { promptTokens?: number; completionTokens?: number } = {};
      let response: ChatResponseInfo | null = null;
      stream.cancel = streamer(
        { endpoint: endpointUrl, body, headers },
        {
          onResponse(info) {
            response = info;
            const meta = info.meta;
            updateLane(laneKey, (l) => ({ ...l, raw: l.raw ? { ...l.raw, response: { status: info.status, headers: info.headers } } : l.raw }));
            updateMessage(laneKey, messageId, (m) => ({
              ...m,
              stats: {
                ...m.stats,
                ...(meta.requestId ? { requestId: meta.requestId } : {}),
                ...(meta.cache ? { cache: meta.cache } : {}),
                ...(meta.route ? { route: meta.route } : {}),
                ...(meta.tier ? { tier: meta.tier } : {}),
              },
            }));
          },
          onDelta(text, at) {
            const t = at ?? now();
            stream.firstTokenAt ??= t;
            stream.lastTokenAt = t;
            stream.deltas += 1;
            batch.push({ kind: 'delta', laneKey, messageId, text });
          },
          onRaw(event, data) {
            batch.push({ kind: 'raw', laneKey, event, data });
          },
          onUsage(u) {
            usage = { ...usage, ...u };
          },
          onDone(outcome) {
            batch.flush();
            active.delete(laneKey);
            set((state) => {
              const streaming = { ...state.streaming };
              delete streaming[laneKey];
              return { streaming };
            });
            updateMessage(laneKey, messageId, (m) => ({ ...m, streaming: false, stats: finalStats(m.stats ?? {}, stream, usage, outcome, response) }));
            set({ dirty: true });
            void fillFromRequestLog(laneKey, messageId);
          },
        },
      );
    }

    /** The request log knows the tier and the cache result for sure; fill them in when the headers did not. */
    async function fillFromRequestLog(laneKey: string, messageId: string) {
      const lane = get().lanes.find((l) => l.key === laneKey);
      const requestId = lane?.messages.find((m) => m.id === messageId)?.stats?.requestId;
      if (!requestId) return;
      const record = await transport().call('request', { id: requestId });
      if (!record.ok) return;
      updateMessage(laneKey, messageId, (m) => ({
        ...m,
        stats: {
          ...m.stats,
          ...(record.data.finalTier ? { tier: record.data.finalTier } : {}),
          ...(record.data.finalTarget ? { route: record.data.finalTarget } : {}),
          cache: record.data.cache.result,
        },
      }));
    }

    /**
     * Starts the lanes at once when the endpoint is known without asking (the browser: same origin), so the user's
     * message and the empty answers are drawn in one render, not two.
     */
    async function startAll(laneKeys: readonly string[]) {
      let url: string;
      try {
        const known = endpoint();
        url = typeof known === 'string' ? known : await known;
      } catch (error) {
        set({ error: { code: 'engine_unreachable', message: error instanceof Error ? error.message : String(error) } });
        return;
      }
      for (const key of laneKeys) startLane(key, url);
    }

    const emptyLane = (target: PlaygroundTarget): LaneState => ({ key: newId('lane'), target, messages: [], raw: null });
    const defaultTarget = (): PlaygroundTarget => {
      const first = get().targets.find((t) => t.kind === 'model') ?? get().targets[0];
      return first ? { kind: first.kind, id: first.id } : { kind: 'model', id: '' };
    };

    return {
      systemPrompt: '',
      parameters: DEFAULT_PARAMETERS,
      forcedTier: 'auto',
      lanes: [emptyLane({ kind: 'model', id: '' })],
      streaming: {},
      targets: [],
      targetsError: null,
      conversationId: null,
      title: '',
      dirty: false,
      conversations: [],
      search: '',
      presets: [],
      error: null,
      notice: null,

      async loadTargets() {
        // The page is open: start the worker that reads answers now, not when the first one is asked for.
        workerStreamer?.prepare();
        const t = transport();
        const [models, routing] = await Promise.all([t.call('models'), t.call('routing')]);
        const targets: TargetChoice[] = [];
        if (models.ok) for (const model of listOf<ModelView>(models.data)) targets.push({ kind: 'model', id: model.id, detail: describeModelState(model) });
        if (routing.ok) {
          const routes = (routing.data as { routes?: Record<string, { targets?: unknown[] }> }).routes ?? {};
          for (const [name, route] of Object.entries(routes)) targets.push({ kind: 'route', id: name, detail: `route · ${route.targets?.length ?? 0} targets` });
        }
        set({ targets, targetsError: models.ok ? null : models.error });
        // Lanes that have no target yet take the first model.
        const fallback = defaultTarget();
        if (fallback.id) set((state) => ({ lanes: state.lanes.map((lane) => (lane.target.id ? lane : { ...lane, target: fallback })) }));
      },

      setSystemPrompt(text) {
        set({ systemPrompt: text, dirty: true });
      },
      setParameters(patch) {
        const next: Record<string, unknown> = { ...get().parameters, ...patch };
        for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
        set({ parameters: next as SamplingParameters, dirty: true });
      },
      setForcedTier(choice) {
        set({ forcedTier: choice });
      },
      setTarget(laneKey, target) {
        updateLane(laneKey, (lane) => ({ ...lane, target }));
        set({ dirty: true });
      },
      addLane(target) {
        // A new lane starts empty: the next prompt goes to every lane, so the answers compare like with like.
        set((state) => ({ lanes: [...state.lanes, emptyLane(target ?? defaultTarget())], dirty: true }));
      },
      removeLane(laneKey) {
        if (get().lanes.length <= 1) return;
        active.get(laneKey)?.cancel();
        set((state) => ({ lanes: state.lanes.filter((lane) => lane.key !== laneKey), dirty: true }));
      },

      send(text) {
        const content = text.trim();
        if (!content || Object.keys(get().streaming).length > 0 || refusesParameters('send')) return;
        const lanes = get().lanes.filter((lane) => lane.target.id);
        if (lanes.length === 0) {
          set({ error: { code: 'no_target', message: 'Pick a model or a route to send to first.' } });
          return;
        }
        for (const lane of lanes) updateLane(lane.key, (l) => ({ ...l, messages: [...l.messages, { id: newId('m'), role: 'user', content }] }));
        set({ dirty: true, notice: null });
        void startAll(lanes.map((l) => l.key));
      },

      stop() {
        for (const stream of [...active.values()]) stream.cancel();
      },

      regenerate(laneKey) {
        if (Object.keys(get().streaming).length > 0 || refusesParameters('regenerate')) return;
        const keys = laneKey ? [laneKey] : get().lanes.map((l) => l.key);
        const ready: string[] = [];
        for (const key of keys) {
          const lane = get().lanes.find((l) => l.key === key);
          if (!lane || !lane.target.id) continue;
          const lastUser = lastIndexOf(lane.messages, (m) => m.role === 'user');
          if (lastUser < 0) continue;
          updateLane(key, (l) => ({ ...l, messages: l.messages.slice(0, lastUser + 1) }));
          ready.push(key);
        }
        if (ready.length) void startAll(ready);
      },

      editAndResend(laneKey, messageId, text) {
        const content = text.trim();
        if (!content || Object.keys(get().streaming).length > 0 || refusesParameters('resend')) return;
        // The same user turn in every lane, counted from the end (a lane added later has fewer earlier turns).
        const source = get().lanes.find((l) => l.key === laneKey);
        const sourceUsers = source ? userIndexes(source.messages) : [];
        const fromEnd = sourceUsers.length - 1 - sourceUsers.findIndex((i) => source!.messages[i]!.id === messageId);
        if (!source || fromEnd >= sourceUsers.length) return;
        const ready: string[] = [];
        for (const lane of get().lanes) {
          const users = userIndexes(lane.messages);
          const index = users[users.length - 1 - fromEnd];
          if (index === undefined || !lane.target.id) continue;
          updateLane(lane.key, (l) => ({ ...l, messages: [...l.messages.slice(0, index), { ...l.messages[index]!, content }] }));
          ready.push(lane.key);
        }
        set({ dirty: true });
        if (ready.length) void startAll(ready);
      },

      newConversation() {
        get().stop();
        const lanes = get().lanes.map((lane) => emptyLane(lane.target));
        set({ lanes, conversationId: null, title: '', dirty: false, notice: null, error: null });
      },

      async save(title) {
        const state = get();
        const body = {
          ...(title?.trim() ? { title: title.trim() } : state.title ? { title: state.title } : {}),
          systemPrompt: state.systemPrompt,
          parameters: state.parameters,
          lanes: state.lanes.map(toSavedLane),
        };
        const t = transport();
        const result = state.conversationId ? await t.call('updateConversation', { id: state.conversationId, ...body }) : await t.call('createConversation', body);
        if (!result.ok) {
          set({ error: { code: result.error.code, message: `Could not save the conversation: ${result.error.message}` } });
          return false;
        }
        set({ conversationId: result.data.id, title: result.data.title, dirty: false, notice: 'Saved', error: null });
        await get().refreshConversations();
        return true;
      },

      async open(id) {
        const result = await transport().call('conversation', { id });
        if (!result.ok) {
          set({ error: { code: result.error.code, message: `Could not open the conversation: ${result.error.message}` } });
          return;
        }
        get().stop();
        const saved = result.data;
        set({
          conversationId: saved.id,
          title: saved.title,
          systemPrompt: saved.systemPrompt,
          parameters: saved.parameters,
          lanes: saved.lanes.map((lane) => ({
            key: newId('lane'),
            target: lane.target,
            raw: null,
            messages: lane.messages
              .filter((m): m is typeof m & { role: 'user' | 'assistant' } => m.role !== 'system')
              .map((m) => ({ id: newId('m'), role: m.role, content: m.content, ...(m.stats ? { stats: m.stats } : {}) })),
          })),
          dirty: false,
          notice: null,
          error: null,
        });
      },

      async remove(id) {
        const result = await transport().call('deleteConversation', { id });
        if (!result.ok) {
          set({ error: { code: result.error.code, message: `Could not delete the conversation: ${result.error.message}` } });
          return;
        }
        if (get().conversationId === id) set({ conversationId: null, dirty: true });
        await get().refreshConversations();
      },

      setSearch(text) {
        set({ search: text });
        void get().refreshConversations();
      },

      async refreshConversations() {
        const q = get().search.trim();
        const result = await transport().call('conversations', q ? { q, limit: 200 } : { limit: 200 });
        if (result.ok) set({ conversations: listOf(result.data) });
        else set({ error: { code: result.error.code, message: `Could not list saved conversations: ${result.error.message}` } });
      },

      async exportConversation(id, format) {
        const result = await transport().call('exportConversation', { id, format });
        if (!result.ok) {
          set({ error: { code: result.error.code, message: `Could not export: ${result.error.message}` } });
          return '';
        }
        return typeof result.data === 'string' ? result.data : `${JSON.stringify(result.data, null, 2)}\n`;
      },

      async refreshPresets() {
        const result = await transport().call('presets');
        if (result.ok) set({ presets: listOf(result.data) });
        else set({ error: { code: result.error.code, message: `Could not list presets: ${result.error.message}` } });
      },

      async savePreset(name) {
        const state = get();
        const existing = state.presets.find((p) => p.name === name.trim());
        const body = { name: name.trim(), systemPrompt: state.systemPrompt, parameters: state.parameters };
        const t = transport();
        const result = existing ? await t.call('updatePreset', { id: existing.id, ...body }) : await t.call('createPreset', body);
        if (!result.ok) {
          set({ error: { code: result.error.code, message: `Could not save the preset: ${result.error.message}` } });
          return false;
        }
        set({ notice: `Preset "${result.data.name}" saved`, error: null });
        await get().refreshPresets();
        return true;
      },

      applyPreset(id) {
        const preset = get().presets.find((p) => p.id === id);
        if (preset) set({ systemPrompt: preset.systemPrompt, parameters: preset.parameters, dirty: true, notice: `Preset "${preset.name}" applied` });
      },

      async deletePreset(id) {
        const result = await transport().call('deletePreset', { id });
        if (!result.ok) set({ error: { code: result.error.code, message: `Could not delete the preset: ${result.error.message}` } });
        await get().refreshPresets();
      },

      dismissError() {
        set({ error: null });
      },
    };
  });

  /** Tokens and raw events, applied at most 20 times a second, on a frame. */
  const batch = createFrameBatch<Pending>({
    scheduler: options.scheduler ?? pacedFrames(LIVE_TEXT_INTERVAL_MS),
    apply(items) {
      const text = new Map<string, string>();
      const raw = new Map<string, { event: string; data: unknown }[]>();
      for (const item of items) {
        if (item.kind === 'delta') {
          const key = `${item.laneKey}\u0000${item.messageId}`;
          text.set(key, (text.get(key) ?? '') + item.text);
        } else {
          const list = raw.get(item.laneKey) ?? [];
          list.push({ event: item.event, data: item.data });
          raw.set(item.laneKey, list);
        }
      }
      useStore.setState((state) => ({
        lanes: state.lanes.map((lane) => {
          const events = raw.get(lane.key);
          let messages = lane.messages;
          let changed = false;
          messages = messages.map((m) => {
            const added = text.get(`${lane.key}\u0000${m.id}`);
            if (!added) return m;
            changed = true;
            return { ...m, content: m.content + added, stats: { ...m.stats, ...liveFigures(active.get(lane.key)) } };
          });
          if (!changed && !events) return lane;
          let rawView = lane.raw;
          if (events && rawView) {
            const room = RAW_EVENTS_KEPT - rawView.events.length;
            rawView = { ...rawView, events: room > 0 ? [...rawView.events, ...events.slice(0, room)] : rawView.events, truncated: rawView.truncated || events.length > room };
          }
          return { ...lane, messages, raw: rawView };
        }),
      }));
    },
  });

  return { usePlayground: useStore };
}

/** TTFT, tokens so far and decode speed so far while an answer streams (one delta ≈ one token). */
function liveFigures(stream: ActiveStream | undefined): MessageStats {
  if (!stream || stream.firstTokenAt === null || stream.lastTokenAt === null) return {};
  const decodeMs = stream.lastTokenAt - stream.firstTokenAt;
  return {
    ttftMs: stream.firstTokenAt - stream.sentAt,
    completionTokens: stream.deltas,
    ...(decodeMs > 0 && stream.deltas > 1 ? { tokensPerSecond: ((stream.deltas - 1) * 1000) / decodeMs } : {}),
  };
}

/** Figures for a finished answer: TTFT and decode speed as this client saw them, tokens from usage. */
function finalStats(
  base: MessageStats,
  stream: ActiveStream,
  usage: { promptTokens?: number; completionTokens?: number },
  outcome: ChatOutcome,
  _response: ChatResponseInfo | null,
): MessageStats {
  const completion = usage.completionTokens ?? (stream.deltas > 0 ? stream.deltas : undefined);
  const ttft = stream.firstTokenAt !== null ? stream.firstTokenAt - stream.sentAt : undefined;
  const decodeMs = stream.firstTokenAt !== null && stream.lastTokenAt !== null ? stream.lastTokenAt - stream.firstTokenAt : 0;
  const tokensAfterFirst = (completion ?? 0) - 1;
  const tps = decodeMs > 0 && tokensAfterFirst > 0 ? (tokensAfterFirst * 1000) / decodeMs : undefined;
  return {
    ...base,
    ...(ttft !== undefined ? { ttftMs: ttft } : {}),
    ...(tps !== undefined ? { tokensPerSecond: tps } : {}),
    ...(usage.promptTokens !== undefined ? { promptTokens: usage.promptTokens } : {}),
    ...(completion !== undefined ? { completionTokens: completion } : {}),
    ...(outcome.kind === 'completed' && outcome.finishReason ? { finishReason: outcome.finishReason } : {}),
    ...(outcome.kind === 'stopped' ? { stopped: true } : {}),
    ...(outcome.kind === 'error' ? { error: outcome.message, ...(outcome.param ? { errorParam: outcome.param } : {}) } : {}),
  };
}

function toSavedLane(lane: LaneState): Lane {
  return {
    target: lane.target,
    messages: lane.messages.map((m) => ({ role: m.role, content: m.content, ...(m.stats ? { stats: m.stats } : {}) })),
  };
}

function describeModelState(model: ModelView): string {
  return `model · ${model.state}`;
}

function listOf<T>(value: ListOf<T> | readonly T[] | unknown): readonly T[] {
  if (Array.isArray(value)) return value as readonly T[];
  const data = (value as ListOf<T> | null)?.data;
  return Array.isArray(data) ? data : [];
}

function userIndexes(messages: readonly PlaygroundMessage[]): number[] {
  const out: number[] = [];
  messages.forEach((m, i) => {
    if (m.role === 'user') out.push(i);
  });
  return out;
}

function lastIndexOf<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i -= 1) if (test(items[i]!)) return i;
  return -1;
}

/** Same origin in the browser (the panel is served by the engine); the engine's own URL over IPC. */
function defaultEndpoint(t: Transport): string | Promise<string> {
  if (t.kind === 'http') return '/v1';
  return sessionEndpoint(t);
}

async function sessionEndpoint(t: Transport): Promise<string> {
  const session = await t.call('session');
  if (!session.ok) throw new Error(session.error.message);
  return session.data.baseUrl;
}

const store = createPlaygroundStore();
export const usePlayground = store.usePlayground;
export type { Conversation, ConversationSummary, Preset, PlaygroundTarget, SamplingParameters, MessageStats };
