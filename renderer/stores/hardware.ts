/**
 * This machine: the inventory (CPU, RAM, GPUs, bandwidth, the fit's budget),
 * live utilisation for the charts (RAM, CPU, GPU, kept in ring buffers), the
 * library's fit at a chosen context and slot count, and predicted vs measured
 * figures per model.
 */
import { create } from 'zustand';
import type { ContractError, FitView, HardwareView, LibraryView, LiveSample, PredictionView, Transport } from '../../preload/contract.js';
import { RingSeries } from '../components/ring-buffer.js';
import { createFrameBatch, type FrameScheduler } from '../lib/frame-batch.js';
import { refCounted, type RefCounted } from '../lib/ref-count.js';
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
const LIVE_POINTS = 300;
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

  const samples = createFrameBatch<LiveSample>({
    scheduler: options.scheduler,
    apply(items) {
      const { live } = useHardware.getState();
      for (const sample of items) live.push(sample.at / 1000, sampleValues(sample));
      useHardware.setState({ liveVersion: live.version, latest: items[items.length - 1] ?? null });
    },
  });

  const liveFeed: RefCounted = refCounted(() => {
    const stop = transport().subscribe('hardwareLive', (event) => {
      if (event.type === 'sample') samples.push(event.data);
    });
    return () => {
      stop();
      samples.flush();
    };
  });

  return { useHardware, hardwareLiveFeed: liveFeed };
}

const hardwareStore = createHardwareStore();
export const useHardware = hardwareStore.useHardware;
export const hardwareLiveFeed = hardwareStore.hardwareLiveFeed;
