/**
 * The hardware probe: CPU, RAM, GPUs and OS through `systeminformation`.
 *
 * systeminformation is injected (tests pass a double) and the result is
 * cached: probing shells out to lspci / nvidia-smi / system_profiler and can
 * take a second, while the fit wants a snapshot on every keystroke.
 * `refresh()` re-probes (after a driver install, an eGPU plugged in...).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Systeminformation } from 'systeminformation';
import type { CpuInfo, GpuInfo, GpuVendor, HardwareSnapshot, MemoryInfo, OsInfo } from './types.js';

/** The part of systeminformation the probe calls. */
export interface SystemInfoSource {
  cpu(): Promise<Systeminformation.CpuData>;
  cpuFlags(): Promise<string>;
  mem(): Promise<Systeminformation.MemData>;
  graphics(): Promise<Systeminformation.GraphicsData>;
  osInfo(): Promise<Systeminformation.OsData>;
}

export interface HardwareProbeOptions {
  /** Defaults to the real `systeminformation` module, loaded on first use. */
  readonly si?: SystemInfoSource;
  readonly now?: () => number;
}

export interface HardwareProbe {
  /** The cached snapshot, probing once on first call. Concurrent callers share one probe. */
  snapshot(): Promise<HardwareSnapshot>;
  /** Probe again and replace the cache. */
  refresh(): Promise<HardwareSnapshot>;
}

const MIB = 1024 * 1024;

export function createHardwareProbe(options: HardwareProbeOptions = {}): HardwareProbe {
  const now = options.now ?? Date.now;
  let cached: Promise<HardwareSnapshot> | undefined;

  const probe = async (): Promise<HardwareSnapshot> => {
    if (options.si) return probeWith(options.si, now());
    const probedAt = now();
    return (await probeInWorkerThread(probedAt)) ?? probeWith(await loadSystemInformation(), probedAt);
  };

  return {
    snapshot() {
      cached ??= probe().catch((error: unknown) => {
        cached = undefined; // a failed probe is not cached; the next caller tries again
        throw error;
      });
      return cached;
    },
    refresh() {
      const next = probe();
      cached = next.catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      return next;
    },
  };
}

/**
 * The probe in a worker thread: systeminformation runs lspci, dmidecode and
 * friends through execSync, which held the engine's event loop for 75–260 ms
 * on this project's 2-core machine (every request in flight waited). Null
 * when the compiled entry is not there (running from TypeScript sources, or
 * bundled) or the thread fails: the caller then probes in this thread.
 */
async function probeInWorkerThread(probedAt: number): Promise<HardwareSnapshot | null> {
  const entry = new URL('./probe-thread.js', import.meta.url);
  if (entry.protocol !== 'file:' || !existsSync(fileURLToPath(entry))) return null;
  return new Promise((resolve) => {
    // No flags from this process (a loader or --input-type meant for the main entry would stop the thread's start).
    const worker = new Worker(entry, { workerData: { probedAt }, execArgv: [] });
    worker.once('message', (snapshot: HardwareSnapshot) => {
      resolve(snapshot);
      void worker.terminate();
    });
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
}

let defaultProbe: HardwareProbe | undefined;

/** Probe this machine once and cache it for the process (see createHardwareProbe for tests). */
export function probeHardware(): Promise<HardwareSnapshot> {
  defaultProbe ??= createHardwareProbe();
  return defaultProbe.snapshot();
}

/** Re-probe this machine, replacing the process-wide cache. */
export function refreshHardware(): Promise<HardwareSnapshot> {
  defaultProbe ??= createHardwareProbe();
  return defaultProbe.refresh();
}

/** The real systeminformation module, imported on first use (it is large). */
export async function loadSystemInformation(): Promise<SystemInfoSource & { currentLoad(): Promise<Systeminformation.CurrentLoadData> }> {
  const module = await import('systeminformation');
  return module.default;
}

/** One probe with the given systeminformation (exported for the worker-thread entry, probe-thread.ts). */
export async function probeWith(si: SystemInfoSource, probedAt: number): Promise<HardwareSnapshot> {
  // Each part is probed on its own: a failing GPU query must not hide the CPU and RAM.
  const [cpu, flags, mem, graphics, os] = await Promise.all([
    si.cpu(),
    si.cpuFlags().catch(() => ''),
    si.mem(),
    si.graphics().catch((): Systeminformation.GraphicsData => ({ controllers: [], displays: [] })),
    si.osInfo(),
  ]);
  const osInfo = toOsInfo(os);
  const cpuInfo = toCpuInfo(cpu, flags, osInfo);
  const appleSilicon = isAppleSilicon(cpuInfo, osInfo);
  return {
    cpu: cpuInfo,
    memory: toMemoryInfo(mem),
    gpus: graphics.controllers.map((controller) => toGpuInfo(controller, appleSilicon)),
    os: osInfo,
    appleSilicon,
    probedAt,
  };
}

function toOsInfo(os: Systeminformation.OsData): OsInfo {
  return { platform: os.platform, distro: os.distro, release: os.release, arch: os.arch };
}

function toCpuInfo(cpu: Systeminformation.CpuData, flagText: string, os: OsInfo): CpuInfo {
  const flags = new Set(`${flagText} ${cpu.flags ?? ''}`.toLowerCase().split(/\s+/).filter(Boolean));
  const arm = os.arch === 'arm64' || os.arch === 'aarch64';
  return {
    manufacturer: cpu.manufacturer,
    brand: cpu.brand,
    physicalCores: cpu.physicalCores || cpu.cores,
    logicalCores: cpu.cores || cpu.physicalCores,
    flags: {
      avx2: flags.has('avx2'),
      avx512: flags.has('avx512f'),
      // Linux on ARM calls NEON `asimd`; every arm64 CPU has it (it is part of ARMv8-A).
      neon: flags.has('neon') || flags.has('asimd') || arm,
    },
  };
}

function toMemoryInfo(mem: Systeminformation.MemData): MemoryInfo {
  // `available` is what Linux and macOS report as usable without swapping; fall back to free.
  return { totalBytes: mem.total, availableBytes: mem.available || mem.free };
}

function isAppleSilicon(cpu: CpuInfo, os: OsInfo): boolean {
  return os.platform === 'darwin' && (os.arch === 'arm64' || /apple/i.test(cpu.manufacturer));
}

function vendorOf(controller: Systeminformation.GraphicsControllerData): GpuVendor {
  const text = `${controller.vendor} ${controller.model}`.toLowerCase();
  if (/nvidia/.test(text)) return 'nvidia';
  if (/apple/.test(text)) return 'apple';
  if (/\bamd\b|advanced micro devices|\bati\b|radeon/.test(text)) return 'amd';
  if (/intel/.test(text)) return 'intel';
  return 'other';
}

function toGpuInfo(controller: Systeminformation.GraphicsControllerData, appleSilicon: boolean): GpuInfo {
  const vendor = vendorOf(controller);
  // systeminformation reports VRAM in MiB; nvidia-smi's memoryTotal/memoryFree too.
  const totalMiB = positive(controller.memoryTotal) ?? positive(controller.vram);
  const unifiedMemory = (vendor === 'apple' && appleSilicon) || controller.vramDynamic === true;
  return {
    vendor,
    model: controller.model || controller.name || 'unknown GPU',
    vramTotalBytes: unifiedMemory || totalMiB === null ? null : totalMiB * MIB,
    vramFreeBytes: unifiedMemory ? null : mibToBytes(positive(controller.memoryFree)),
    driverVersion: controller.driverVersion || null,
    unifiedMemory,
    cores: positive(controller.cores),
  };
}

function positive(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function mibToBytes(value: number | null): number | null {
  return value === null ? null : value * MIB;
}
