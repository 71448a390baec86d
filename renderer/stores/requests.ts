/**
 * The request log as the Routing page shows it: the newest records matching
 * the filters (tier, model, route, since), kept up to date from the live
 * event stream, one record opened with its full trace, and the daily totals
 * (today's spend and savings).
 *
 * Live events are applied at most 10 times a second (on an animation frame); the list keeps at most
 * `keep` records (the table is virtualised, so thousands scroll smoothly).
 */
import { create } from 'zustand';
import type { ContractError, DailyTotals, ListOf, RequestEvents, RequestRecord, Tier, Transport } from '../../preload/contract.js';
import { createFrameBatch, LIVE_TABLE_INTERVAL_MS, pacedFrames, type FrameScheduler } from '../lib/frame-batch.js';
import { refCounted, type RefCounted } from '../lib/ref-count.js';
import { restartOnReconnect } from '../lib/reconnect.js';
import { transport as defaultTransport } from '../lib/transport.js';

export interface RequestFilters {
  readonly tier: Tier | null;
  readonly model: string;
  readonly route: string;
  /** Unix ms; null = no lower bound. */
  readonly since: number | null;
}

export const NO_FILTERS: RequestFilters = { tier: null, model: '', route: '', since: null };

type LiveEvent = { readonly [K in keyof RequestEvents]: { readonly type: K; readonly data: RequestEvents[K] } }[keyof RequestEvents];

export interface RequestsState {
  readonly filters: RequestFilters;
  /** Newest first. */
  readonly records: readonly RequestRecord[];
  readonly loading: boolean;
  readonly error: ContractError | null;
  readonly selectedId: string | null;
  readonly selected: RequestRecord | null;
  readonly selectedError: ContractError | null;
  readonly totals: readonly DailyTotals[];
  readonly totalsError: ContractError | null;
  setFilters(patch: Partial<RequestFilters>): void;
  clearFilters(): void;
  reload(): Promise<void>;
  select(id: string | null): Promise<void>;
  refreshTotals(): Promise<void>;
}

export interface RequestsStoreOptions {
  readonly transport?: () => Transport;
  readonly scheduler?: FrameScheduler;
  /** Records kept in the list (default 2000). */
  readonly keep?: number;
  /** Records asked for when the filters change (default 500, the API allows 1000). */
  readonly pageSize?: number;
  /** Totals refresh interval while the page is open (default 10 s). */
  readonly totalsEveryMs?: number;
}

/** Does a record pass the filters? Pure; the same test the engine applies to GET /requests. */
export function matchesFilters(record: RequestRecord, filters: RequestFilters): boolean {
  if (filters.tier && record.finalTier !== filters.tier) return false;
  if (filters.model && record.model !== filters.model) return false;
  if (filters.route && record.route !== filters.route) return false;
  if (filters.since !== null && record.time < filters.since) return false;
  return true;
}

export function createRequestsStore(options: RequestsStoreOptions = {}) {
  const transport = options.transport ?? defaultTransport;
  const keep = options.keep ?? 2000;
  const pageSize = options.pageSize ?? 500;
  let generation = 0;

  const useRequests = create<RequestsState>()((set, get) => ({
    filters: NO_FILTERS,
    records: [],
    loading: false,
    error: null,
    selectedId: null,
    selected: null,
    selectedError: null,
    totals: [],
    totalsError: null,

    setFilters(patch) {
      set({ filters: { ...get().filters, ...patch } });
      void get().reload();
    },
    clearFilters() {
      set({ filters: NO_FILTERS });
      void get().reload();
    },

    async reload() {
      const mine = ++generation;
      const f = get().filters;
      set({ loading: true });
      const result = await transport().call('requests', {
        ...(f.tier ? { tier: f.tier } : {}),
        ...(f.model ? { model: f.model } : {}),
        ...(f.route ? { route: f.route } : {}),
        ...(f.since !== null ? { since: f.since } : {}),
        limit: pageSize,
      });
      if (mine !== generation) return; // a newer filter won
      if (result.ok) set({ records: recordsOf(result.data).filter((r) => matchesFilters(r, f)), loading: false, error: null });
      else set({ loading: false, error: result.error });
    },

    async select(id) {
      set({ selectedId: id, selected: id ? (get().records.find((r) => r.id === id) ?? null) : null, selectedError: null });
      if (!id) return;
      const result = await transport().call('request', { id });
      if (get().selectedId !== id) return;
      if (result.ok) set({ selected: result.data });
      else set({ selectedError: result.error });
    },

    async refreshTotals() {
      const result = await transport().call('requestTotals', { days: 7 });
      if (result.ok) set({ totals: result.data.days, totalsError: null });
      else set({ totalsError: result.error });
    },
  }));

  function applyEvents(events: readonly LiveEvent[]) {
    const state = useRequests.getState();
    const byId = new Map(state.records.map((r) => [r.id, r] as const));
    let added: RequestRecord[] = [];
    let changed = false;
    let selected = state.selected;
    for (const event of events) {
      if (event.type === 'phase') {
        const known = byId.get(event.data.id);
        if (!known) continue;
        const next: RequestRecord = {
          ...known,
          phase: event.data.phase,
          completionTokens: event.data.completionTokens,
          decodeTokPerSec: event.data.tokPerSec,
          durationMs: event.data.elapsedMs,
          finalTier: event.data.tier ?? known.finalTier,
          finalTarget: event.data.target ?? known.finalTarget,
        };
        byId.set(next.id, next);
        changed = true;
        if (selected?.id === next.id) selected = next;
        continue;
      }
      const record = event.data;
      // A record can leave the filter (its tier is known only when it finishes).
      if (!matchesFilters(record, state.filters)) {
        if (byId.delete(record.id)) changed = true;
        continue;
      }
      if (!byId.has(record.id)) added.push(record);
      byId.set(record.id, record);
      changed = true;
      if (selected?.id === record.id && event.type === 'finished') selected = record;
    }
    if (!changed) return;
    added = added.flatMap((r) => byId.get(r.id) ?? []).reverse();
    const addedIds = new Set(added.map((r) => r.id));
    const rest = state.records.filter((r) => byId.has(r.id) && !addedIds.has(r.id)).map((r) => byId.get(r.id)!);
    useRequests.setState({ records: [...added, ...rest].slice(0, keep), selected });
    if (events.some((e) => e.type === 'finished')) totalsDue = true;
  }

  const batch = createFrameBatch<LiveEvent>({ scheduler: options.scheduler ?? pacedFrames(LIVE_TABLE_INTERVAL_MS), apply: applyEvents });
  let totalsDue = false;

  /** While a page holds it: the first page of records, the live stream, and the totals every few seconds. */
  const feed: RefCounted = refCounted(
    restartOnReconnect(() => {
      void useRequests.getState().reload();
      void useRequests.getState().refreshTotals();
      const unsubscribe = transport().subscribe('requests', (event) => {
        if (event.type === 'started' || event.type === 'phase' || event.type === 'finished') batch.push(event as LiveEvent);
      });
      const timer = setInterval(() => {
        if (!totalsDue) return;
        totalsDue = false;
        void useRequests.getState().refreshTotals();
      }, options.totalsEveryMs ?? 10_000);
      return () => {
        unsubscribe();
        clearInterval(timer);
        batch.flush();
      };
    }, () => transport().connection),
  );

  return { useRequests, requestsFeed: feed, applyEvents: (events: readonly LiveEvent[]) => events.forEach((e) => batch.push(e)) };
}

/**
 * GET /requests answers `{records, inFlight}` (finished newest first, and the
 * requests in flight); a plain list is read too. In flight go on top.
 */
export function recordsOf(value: ListOf<RequestRecord> | { readonly records?: readonly RequestRecord[]; readonly inFlight?: readonly RequestRecord[] } | readonly RequestRecord[]): RequestRecord[] {
  if (Array.isArray(value)) return [...(value as readonly RequestRecord[])];
  const v = value as { records?: readonly RequestRecord[]; inFlight?: readonly RequestRecord[]; data?: readonly RequestRecord[] };
  const finished = v.records ?? v.data ?? [];
  const live = (v.inFlight ?? []).filter((r) => !finished.some((f) => f.id === r.id));
  return [...[...live].sort((a, b) => b.time - a.time), ...finished];
}

const store = createRequestsStore();
export const useRequests = store.useRequests;
export const requestsFeed = store.requestsFeed;
