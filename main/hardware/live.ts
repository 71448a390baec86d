/**
 * Live load figures for the dashboard: RAM, CPU load and, where the driver
 * tells (NVIDIA through nvidia-smi), GPU utilisation and VRAM used.
 *
 * Polling only happens while someone listens: the first subscriber starts the
 * timer, the last unsubscribe stops it. Polls never overlap: the next one is
 * scheduled when the previous has finished, so a slow nvidia-smi stretches
 * the interval instead of piling up processes.
 */
import type { Systeminformation } from 'systeminformation';
import { loadSystemInformation } from './probe.js';
import { createCpuLoadReader } from './cpu-load.js';
import { queryNvidiaSmi } from './nvidia-smi.js';
import type { HardwareSnapshot } from './types.js';

export interface LiveGpuSample {
  readonly model: string;
  /** 0–100, or null when the driver does not report it. */
  readonly utilizationPct: number | null;
  readonly vramUsedBytes: number | null;
  readonly vramTotalBytes: number | null;
}

export interface LiveSample {
  /** ms since epoch. */
  readonly at: number;
  readonly ram: { readonly totalBytes: number; readonly usedBytes: number; readonly availableBytes: number };
  /** Whole-machine CPU load, 0–100. */
  readonly cpuLoadPct: number;
  /** Empty unless GPU polling is on (see LivePollOptions.pollGpus). */
  readonly gpus: readonly LiveGpuSample[];
}

/** The live figures of one GPU controller (systeminformation's names; MiB). */
export interface LiveGpuReading {
  readonly model: string;
  readonly utilizationGpu?: number | null;
  readonly memoryUsed?: number | null;
  readonly memoryTotal?: number | null;
  readonly vram?: number | null;
}

/** What the poller calls. Nothing here may block the event loop: the engine serves requests on it. */
export interface LiveSystemInfoSource {
  mem(): Promise<Systeminformation.MemData>;
  currentLoad(): Promise<{ readonly currentLoad: number }>;
  graphics(): Promise<{ readonly controllers: readonly LiveGpuReading[] }>;
}

/**
 * systeminformation for memory (an asynchronous read of /proc/meminfo on
 * Linux); the CPU load from the kernel's counters (cpu-load.ts) and GPUs from
 * nvidia-smi run asynchronously (nvidia-smi.ts): systeminformation runs both
 * of those synchronously.
 */
async function defaultSource(): Promise<LiveSystemInfoSource> {
  const si = await loadSystemInformation();
  const cpuLoad = createCpuLoadReader();
  return {
    mem: () => si.mem(),
    currentLoad: async () => ({ currentLoad: await cpuLoad() }),
    graphics: async () => ({ controllers: await queryNvidiaSmi() }),
  };
}

export interface LiveMonitorOptions {
  readonly intervalMs?: number;
  readonly si?: LiveSystemInfoSource;
  /**
   * Query GPUs on every poll. On Linux systeminformation runs lspci and
   * nvidia-smi for this, so it is worth it only when the probe found a GPU
   * that reports live figures (NVIDIA). Default false.
   */
  readonly pollGpus?: boolean;
  /** Called when one poll fails; polling goes on. */
  readonly onError?: (error: unknown) => void;
  readonly now?: () => number;
  readonly setTimer?: (callback: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

export interface LiveMonitor {
  /** Start receiving samples (the first subscriber starts polling at once). Returns unsubscribe. */
  subscribe(listener: (sample: LiveSample) => void): () => void;
  readonly polling: boolean;
}

const MIB = 1024 * 1024;

export function createLiveMonitor(options: LiveMonitorOptions = {}): LiveMonitor {
  const intervalMs = options.intervalMs ?? 2000;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as NodeJS.Timeout));
  const listeners = new Set<(sample: LiveSample) => void>();
  let timer: unknown;
  let running = false;
  let generation = 0; // bumps on every stop, so a poll in flight from an old run is dropped

  let source: LiveSystemInfoSource | undefined = options.si;

  const pollOnce = async (run: number) => {
    try {
      const si = (source ??= await defaultSource());
      const sample = await takeSample(si, options.pollGpus ?? false, now);
      if (run !== generation) return;
      for (const listener of [...listeners]) listener(sample);
    } catch (error) {
      if (run === generation) options.onError?.(error);
    } finally {
      if (run === generation && running) timer = setTimer(() => void pollOnce(run), intervalMs);
    }
  };

  const stop = () => {
    running = false;
    generation += 1;
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!running) {
        running = true;
        void pollOnce(generation);
      }
      return function unsubscribe() {
        listeners.delete(listener);
        if (listeners.size === 0 && running) stop();
      };
    },
    get polling() {
      return running;
    },
  };
}

/** GPU polling pays off only where the driver reports live figures: NVIDIA (nvidia-smi). */
export function gpuPollingUseful(snapshot: HardwareSnapshot): boolean {
  return snapshot.gpus.some((gpu) => gpu.vendor === 'nvidia');
}

/** One subscriber with its own monitor: `const stop = startLivePoll({ onSample })`. */
export function startLivePoll(options: LiveMonitorOptions & { readonly onSample: (sample: LiveSample) => void }): () => void {
  return createLiveMonitor(options).subscribe(options.onSample);
}

async function takeSample(si: LiveSystemInfoSource, pollGpus: boolean, now: () => number): Promise<LiveSample> {
  const [mem, load, graphics] = await Promise.all([
    si.mem(),
    si.currentLoad(),
    pollGpus ? si.graphics() : Promise.resolve({ controllers: [] as LiveGpuReading[] }),
  ]);
  const availableBytes = mem.available || mem.free;
  return {
    at: now(),
    ram: { totalBytes: mem.total, usedBytes: mem.total - availableBytes, availableBytes },
    cpuLoadPct: round1(load.currentLoad),
    gpus: graphics.controllers.map((controller) => ({
      model: controller.model,
      utilizationPct: finiteOrNull(controller.utilizationGpu),
      vramUsedBytes: mibOrNull(controller.memoryUsed),
      vramTotalBytes: mibOrNull(controller.memoryTotal ?? controller.vram),
    })),
  };
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function mibOrNull(value: number | null | undefined): number | null {
  const finite = finiteOrNull(value);
  return finite === null ? null : finite * MIB;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
