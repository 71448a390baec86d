/**
 * This machine: the inventory (CPU, RAM, GPUs, bandwidth, the fit's budget),
 * live utilisation for the charts (RAM, CPU, GPU, kept in ring buffers: first
 * the last minutes the engine kept, then each live sample), the library's fit
 * at a chosen context and slot count, and predicted vs measured figures per
 * model.
 */
import { create } from 'zustand';
import type { ContractError, FitView, HardwareView, LibraryView, LiveSample, PredictionView, Transport } from '../../preload/contract.js';
import { RingSeries } from '../components/ring-buffer.js';
import { createFrameBatch, type FrameScheduler } from '../lib/frame-batch.js';
import { refCounted, type RefCounted } from '../lib/ref-count.js';
import { restartOnReconnect } from '../lib/reconnect.js';
import { transport as defaultTransport } from '../lib/transport.js';

export interface ModelDetail {
  readonly fit: FitView | null;
  readonly prediction: PredictionView | null;
  readonly error: ContractError | null;
}

export interface FitSetup {
  readonly ctx: number;
  readonly slots: number;
}

export interface HardwareState {
  readonly hardware: HardwareView | null;
  readonly hardwareError: ContractError | null;
  readonly refreshing: boolean;
  /** [RAM used %, CPU %, GPU 1 %, …]: one series per figure. */
  readonly live: RingSeries;
  readonly liveVersion: number;
  readonly latest: LiveSample | null;
  readonly fitSetup: FitSetup;
  readonly fitTable: LibraryView | null;
  readonly fitError: ContractError | null;
  readonly fitLoading: boolean;
  /** Per library model at the fit setup: the full fit (largest context) and predicted vs measured figures. */
  readonly details: Readonly<Record<string, ModelDetail | undefined>>;
  load(): Promise<void>;
  refresh(): Promise<void>;
  setFitSetup(setup: FitSetup): Promise<void>;
  loadDetails(): Promise<void>;
}

/** 10 minutes at the engine's ~2 s sampling. */
export const LIVE_POINTS = 300;
/** Series: RAM, CPU, then up to this many GPUs. */
export const MAX_GPU_SERIES = 4;

/** A sample as the chart's values: RAM used %, CPU load %, each GPU's utilisation %. */
export function sampleValues(sample: LiveSample): (number | null)[] {
  const ram = sample.ram.totalBytes > 0 ? (sample.ram.usedBytes / sample.ram.totalBytes) * 100 : null;
  const gpus = sample.gpus.slice(0, MAX_GPU_SERIES).map((g) => g.utilizationPct);
  return [ram, sample.cpuLoadPct, ...gpus];
}

export function createHardwareStore(options: { readonly transport?: () => Transport; readonly scheduler?: FrameScheduler } = {}) {
  const transport = options.transport ?? defaultTransport;
  let fitSeq = 0;

  const useHardware = create<HardwareState>()((set, get) => ({
    hardware: null,
    hardwareError: null,
    refreshing: false,
    live: new RingSeries(LIVE_POINTS, 2 + MAX_GPU_SERIES),
    liveVersion: 0,
    latest: null,
    fitSetup: { ctx: 4096, slots: 1 },
    fitTable: null,
    fitError: null,
    fitLoading: false,
    details: {},

    async load() {
      const result = await transport().call('hardware');
      set(result.ok ? { hardware: result.data, hardwareError: null } : { hardwareError: result.error });
    },

    async refresh() {
      set({ refreshing: true });
      const result = await transport().call('refreshHardware');
      set(result.ok ? { hardware: result.data, hardwareError: null, refreshing: false } : { hardwareError: result.error, refreshing: false });
    },

    async setFitSetup(setup) {
      const seq = ++fitSeq;
      set({ fitSetup: setup, fitLoading: true });
      let result = await transport().call('library', { ctx: setup.ctx, slots: setup.slots });
      // The engine scans on request: a library never scanned is scanned now.
      if (result.ok && result.data.scannedAt === null) result = await transport().call('rescanLibrary', { ctx: setup.ctx, slots: setup.slots });
      if (seq !== fitSeq) return;
      set(result.ok ? { fitTable: result.data, fitError: null, fitLoading: false } : { fitError: result.error, fitLoading: false });
      if (result.ok) await get().loadDetails();
    },

    async loadDetails() {
      const models = get().fitTable?.models ?? [];
      const { ctx, slots } = get().fitSetup;
      const t = transport();
      const entries = await Promise.all(
        models.map(async (m) => {
          const [fit, prediction] = await Promise.all([t.call('fit', { id: m.id, ctx, slots }), t.call('prediction', { id: m.id, ctx, slots })]);
          const detail: ModelDetail = {
            fit: fit.ok ? fit.data : null,
            prediction: prediction.ok ? prediction.data : null,
            error: fit.ok ? (prediction.ok ? null : prediction.error) : fit.error,
          };
          return [m.id, detail] as const;
        }),
      );
      const { ctx: nowCtx, slots: nowSlots } = get().fitSetup;
      if (nowCtx === ctx && nowSlots === slots) set({ details: Object.fromEntries(entries) });
    },
  }));

  /** The newest sample's time in the ring: a sample at or before it is one the ring has already (history and live overlap). */
  let newestAt = Number.NEGATIVE_INFINITY;
  const samples = createFrameBatch<LiveSample>({
    scheduler: options.scheduler,
    apply(items) {
      const { live, latest } = useHardware.getState();
      let last = latest;
      for (const sample of items) {
        if (sample.at <= newestAt) continue;
        live.push(sample.at / 1000, sampleValues(sample));
        newestAt = sample.at;
        last = sample;
      }
      if (last !== latest) useHardware.setState({ liveVersion: live.version, latest: last });
    },
  });

  /**
   * While the page is open: the samples the engine kept (drawn at once), then
   * the live ones. Live samples that come before the history answers wait for
   * it, so the ring stays in time order.
   */
  const liveFeed: RefCounted = refCounted(
    restartOnReconnect(() => {
      let historyDone = false;
      const early: LiveSample[] = [];
      const stop = transport().subscribe('hardwareLive', (event) => {
        if (event.type !== 'sample') return;
        if (historyDone) samples.push(event.data);
        else early.push(event.data);
      });
      void (async () => {
        const since = Number.isFinite(newestAt) ? newestAt : undefined;
        const history = await transport()
          .call('hardwareHistory', since !== undefined ? { since } : {})
          .catch(() => null);
        // No history (an older engine, or an error) leaves the live samples to fill the chart, as before.
        if (history?.ok) for (const sample of history.data.samples) samples.push(sample);
        for (const sample of early) samples.push(sample);
        historyDone = true;
        samples.flush();
      })();
      return () => {
        stop();
        samples.flush();
      };
    }, () => transport().connection),
  );

  return { useHardware, hardwareLiveFeed: liveFeed };
}

const hardwareStore = createHardwareStore();
export const useHardware = hardwareStore.useHardware;
export const hardwareLiveFeed = hardwareStore.hardwareLiveFeed;
