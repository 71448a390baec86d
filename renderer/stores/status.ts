/**
 * The engine's pulse: status (runtimes, per-model figures, in flight and
 * queued), the connection to the engine, the live request table and the
 * tokens/s series the Overview charts, plus the tier figures (cache, cloud).
 *
 * Feeds run while a page holds them (see lib/ref-count.ts): `statusFeed` for
 * the whole app (header), `liveFeed` and `tierFeed` for the Overview.
 */
import { useEffect, useRef } from 'react';
import { create } from 'zustand';
import type { CacheStatsView, ConnectionState, ContractError, EngineStatus, ProviderView, RequestEvents, RequestRecord, Tier, Transport } from '../../preload/contract.js';
import { RingSeries } from '../components/ring-buffer.js';
import { createFrameBatch, LIVE_TABLE_INTERVAL_MS, pacedFrames, type FrameScheduler } from '../lib/frame-batch.js';
import { refCounted, type RefCounted } from '../lib/ref-count.js';
import { restartOnReconnect } from '../lib/reconnect.js';
import { listData } from '../lib/list-data.js';
import { msUntilNextTick, nextRetryAt, secondsUntil, withReportedRetry } from '../lib/retry-countdown.js';
import { transport as defaultTransport } from '../lib/transport.js';
import { tokenRateHistory } from './token-history.js';

export type LiveEvent =
  | { readonly type: 'started'; readonly data: RequestRecord }
  | { readonly type: 'finished'; readonly data: RequestRecord }
  | { readonly type: 'phase'; readonly data: RequestEvents['phase'] };

/** One row of the live request table: a request in flight or just finished. */
export interface LiveRequestRow {
  readonly id: string;
  readonly time: number;
  readonly client: string;
  readonly model: string;
  readonly route: string | null;
  readonly phase: RequestRecord['phase'];
  readonly tier: Tier | null;
  readonly target: string | null;
  readonly ttftMs: number | null;
  readonly tokPerSec: number | null;
  readonly completionTokens: number | null;
  readonly durationMs: number;
  readonly status: number;
  readonly cache: RequestRecord['cache']['result'] | null;
  readonly error: string | null;
}

export type RequestLogAvailability = { readonly state: 'unknown' } | { readonly state: 'available' } | { readonly state: 'unavailable'; readonly error: ContractError };

export interface StatusState {
  readonly status: EngineStatus | null;
  readonly statusError: ContractError | null;
  readonly connection: ConnectionState;
  /** When the engine stopped answering (ms since the epoch); null while connected. What the pages show is from before then. */
  readonly lostAt: number | null;
  /**
   * While the engine does not answer: when the panel next tries it, and the whole seconds until then.
   * The one countdown the header's badge and the banner both show; null while connected.
   */
  readonly nextRetryAt: number | null;
  readonly retryInSeconds: number | null;
  /** How many times the engine came back after it was lost: pages that read once on mount read again when it grows. */
  readonly reconnects: number;
  readonly requestLog: RequestLogAvailability;
  /** In flight first (newest first), then the latest finished. */
  readonly liveRows: readonly LiveRequestRow[];
  /** Generated tokens per second across all requests, sampled 4 times a second. */
  readonly tokens: RingSeries;
  readonly tokensVersion: number;
  readonly cache: { readonly data: CacheStatsView | null; readonly error: ContractError | null };
  readonly providers: { readonly data: readonly ProviderView[] | null; readonly error: ContractError | null };
  refreshStatus(): Promise<void>;
  refreshTiers(): Promise<void>;
  /** Ask for the request log again after it was unavailable. */
  retryRequestLog(): void;
}

export interface StatusStoreOptions {
  readonly transport?: () => Transport;
  readonly scheduler?: FrameScheduler;
  readonly now?: () => number;
  /** Tokens/s sampling interval; default 250 ms (4 Hz). */
  readonly sampleEveryMs?: number;
  /** Tier figures refresh interval; default 5 s. */
  readonly tiersEveryMs?: number;
  /** Finished requests kept in the live table. */
  readonly keepFinished?: number;
}

/** 60 s of history at 4 Hz. */
const TOKEN_POINTS = 240;
/** Records asked for when the live table opens: enough to rebuild the last minute of tokens per second. */
const HISTORY_RECORDS = 100;

export function createStatusStore(options: StatusStoreOptions = {}) {
  const transport = options.transport ?? defaultTransport;
  const now = options.now ?? Date.now;
  const keepFinished = options.keepFinished ?? 20;
  const inFlight = new Map<string, LiveRequestRow>();
  let finished: LiveRequestRow[] = [];

  const useStatus = create<StatusState>()((set, get) => ({
    status: null,
    statusError: null,
    connection: { kind: 'connecting' },
    lostAt: null,
    nextRetryAt: null,
    retryInSeconds: null,
    reconnects: 0,
    requestLog: { state: 'unknown' },
    liveRows: [],
    tokens: new RingSeries(TOKEN_POINTS, 1),
    tokensVersion: 0,
    cache: { data: null, error: null },
    providers: { data: null, error: null },
    async refreshStatus() {
      const result = await transport().call('status');
      if (result.ok) set({ status: result.data, statusError: null });
      else set({ statusError: result.error });
    },
    async refreshTiers() {
      const [cache, providers] = await Promise.all([transport().call('cache'), transport().call('providers')]);
      set({
        cache: cache.ok ? { data: cache.data, error: null } : { data: get().cache.data, error: cache.error },
        providers: providers.ok ? { data: listData(providers.data), error: null } : { data: get().providers.data, error: providers.error },
      });
    },
    retryRequestLog() {
      if (live.holders > 0) {
        stopLive?.();
        stopLive = startLiveRequests();
      }
    },
  }));

  const publishRows = () => {
    const rows = [...inFlight.values()].sort((a, b) => b.time - a.time);
    useStatus.setState({ liveRows: [...rows, ...finished] });
  };

  const batch = createFrameBatch<LiveEvent>({
    scheduler: options.scheduler ?? pacedFrames(LIVE_TABLE_INTERVAL_MS),
    apply(events) {
      for (const event of events) applyLiveEvent(event);
      publishRows();
    },
  });

  function applyLiveEvent(event: LiveEvent) {
    if (event.type === 'started') {
      inFlight.set(event.data.id, rowFromRecord(event.data));
    } else if (event.type === 'finished') {
      inFlight.delete(event.data.id);
      finished = [rowFromRecord(event.data), ...finished.filter((r) => r.id !== event.data.id)].slice(0, keepFinished);
    } else {
      const phase = event.data;
      if (phase.phase === 'done') return; // the finished record follows with the final figures
      const known = inFlight.get(phase.id);
      const base = known ?? emptyRow(phase.id, now() - phase.elapsedMs);
      inFlight.set(phase.id, {
        ...base,
        phase: phase.phase,
        tier: phase.tier ?? base.tier,
        target: phase.target ?? base.target,
        tokPerSec: phase.tokPerSec,
        completionTokens: phase.completionTokens,
        durationMs: phase.elapsedMs,
        // The first token came when the request started generating.
        ttftMs: base.ttftMs ?? (phase.phase === 'generating' ? phase.elapsedMs : null),
      });
    }
  }

  /** Live request table: the latest records, then the event stream. Unavailable → said so, with the engine's words. */
  function startLiveRequests(): () => void {
    let stopped = false;
    let unsubscribe: (() => void) | null = null;
    void (async () => {
      const recent = await transport().call('requests', { limit: Math.max(keepFinished, HISTORY_RECORDS) });
      if (stopped) return;
      if (!recent.ok) {
        useStatus.setState({ requestLog: { state: 'unavailable', error: recent.error } });
        return;
      }
      inFlight.clear();
      finished = [];
      const records = [...(recent.data.inFlight ?? []), ...listData<RequestRecord>(recent.data.records ?? recent.data)];
      for (const record of [...records].reverse()) applyLiveEvent(record.phase === 'done' ? { type: 'finished', data: record } : { type: 'started', data: record });
      publishRows();
      fillTokensFrom(records);
      useStatus.setState({ requestLog: { state: 'available' } });
      unsubscribe = transport().subscribe('requests', (event) => {
        if (event.type === 'started' || event.type === 'finished' || event.type === 'phase') batch.push(event as LiveEvent);
      });
    })();
    return () => {
      stopped = true;
      unsubscribe?.();
      batch.flush();
    };
  }
  let stopLive: (() => void) | null = null;

  /** The chart's minute before now (or since its last point, when it was open before), rebuilt from the request log. */
  function fillTokensFrom(records: readonly RequestRecord[]) {
    if (records.length === 0) return;
    const { tokens } = useStatus.getState();
    const step = options.sampleEveryMs ?? 250;
    const to = now();
    const last = tokens.latest()?.x;
    const from = Math.max(to - TOKEN_POINTS * step, last === undefined ? Number.NEGATIVE_INFINITY : last * 1000 + step);
    for (const point of tokenRateHistory(records, { from, to, stepMs: step })) tokens.push(point.at / 1000, [point.tokPerSec]);
    useStatus.setState({ tokensVersion: tokens.version });
  }

  function sampleTokens() {
    const state = useStatus.getState();
    let total = 0;
    if (state.requestLog.state === 'available') {
      for (const row of inFlight.values()) if (row.phase === 'generating' && row.tokPerSec) total += row.tokPerSec;
    } else {
      for (const model of state.status?.models ?? []) if (model.inFlight > 0) total += model.decodeTokPerSec.last ?? 0;
    }
    state.tokens.push(now() / 1000, [total]);
    useStatus.setState({ tokensVersion: state.tokens.version });
  }

  /** Retry times the transport's streams reported that are still ahead (each stream keeps its own backoff). */
  let pendingRetries: number[] = [];
  let countdown: ReturnType<typeof setTimeout> | undefined;

  /** The one clock behind "retrying in N s": sets the seconds left, then wakes when the number changes. */
  function tickCountdown() {
    clearTimeout(countdown);
    countdown = undefined;
    const t = now();
    const at = nextRetryAt(pendingRetries, t);
    if (at === null) return;
    useStatus.setState({ nextRetryAt: at, retryInSeconds: secondsUntil(at, t) });
    const wait = msUntilNextTick(at, t);
    if (wait !== null) countdown = setTimeout(tickCountdown, wait);
  }

  function stopCountdown() {
    clearTimeout(countdown);
    countdown = undefined;
    pendingRetries = [];
  }

  /** The connection as the header and the banner show it: when it was lost, when it is tried next, and each time it came back. */
  function noteConnection(connection: ConnectionState) {
    const { lostAt, reconnects } = useStatus.getState();
    if (connection.kind === 'retrying') {
      pendingRetries = withReportedRetry(pendingRetries, connection.retryAt, now());
      useStatus.setState({ connection, lostAt: lostAt ?? now() });
      tickCountdown();
      return;
    }
    stopCountdown();
    const noRetry = { nextRetryAt: null, retryInSeconds: null };
    if (connection.kind === 'connected' && lostAt !== null) useStatus.setState({ connection, lostAt: null, reconnects: reconnects + 1, ...noRetry });
    else useStatus.setState({ connection, ...noRetry });
  }

  const connectionOf = () => transport().connection;

  const statusFeed: RefCounted = refCounted(() => {
    const t = transport();
    noteConnection(t.connection.get());
    const stopConnection = t.connection.subscribe(noteConnection);
    const stopStatus = restartOnReconnect(() => {
      void useStatus.getState().refreshStatus();
      return t.subscribe('status', (event) => {
        if (event.type === 'status') useStatus.setState({ status: event.data, statusError: null });
      });
    }, connectionOf)();
    return () => {
      stopConnection();
      stopStatus();
      stopCountdown();
    };
  });

  // Requests in flight when the engine went away never finish: a restart reads the log afresh.
  const live: RefCounted = refCounted(
    restartOnReconnect(() => {
      stopLive = startLiveRequests();
      const sampler = setInterval(sampleTokens, options.sampleEveryMs ?? 250);
      return () => {
        clearInterval(sampler);
        stopLive?.();
        stopLive = null;
      };
    }, connectionOf),
  );

  const tierFeed: RefCounted = refCounted(
    restartOnReconnect(() => {
      void useStatus.getState().refreshTiers();
      const timer = setInterval(() => void useStatus.getState().refreshTiers(), options.tiersEveryMs ?? 5000);
      return () => clearInterval(timer);
    }, connectionOf),
  );

  return { useStatus, statusFeed, liveFeed: live, tierFeed, applyLiveEvent: (event: LiveEvent) => batch.push(event) };
}


function rowFromRecord(record: RequestRecord): LiveRequestRow {
  return {
    id: record.id,
    time: record.time,
    client: record.client,
    model: record.model,
    route: record.route,
    phase: record.phase,
    tier: record.finalTier,
    target: record.finalTarget,
    ttftMs: record.ttftMs,
    tokPerSec: record.decodeTokPerSec,
    completionTokens: record.completionTokens,
    durationMs: record.durationMs,
    status: record.status,
    cache: record.cache?.result ?? null,
    error: record.error ?? null,
  };
}

function emptyRow(id: string, time: number): LiveRequestRow {
  return { id, time, client: '', model: '', route: null, phase: 'queued', tier: null, target: null, ttftMs: null, tokPerSec: null, completionTokens: null, durationMs: 0, status: 0, cache: null, error: null };
}

const statusStore = createStatusStore();
export const useStatus = statusStore.useStatus;

/**
 * Runs `reload` each time the engine is back after the panel lost it, for what
 * a page reads once when it opens (feeds restart by themselves). Not on mount.
 */
export function useReloadOnReconnect(reload: () => unknown, store: typeof useStatus = useStatus): void {
  const reconnects = store((s) => s.reconnects);
  const latest = useRef(reload);
  useEffect(() => {
    latest.current = reload;
  });
  const seen = useRef(reconnects);
  useEffect(() => {
    if (reconnects === seen.current) return;
    seen.current = reconnects;
    void latest.current();
  }, [reconnects]);
}
export const statusFeed = statusStore.statusFeed;
export const liveFeed = statusStore.liveFeed;
export const tierFeed = statusStore.tierFeed;
