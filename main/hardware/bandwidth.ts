/**
 * Memory bandwidth for the speed estimate.
 *
 * GPUs and Apple chips: the vendor figure from known-bandwidth.ts. System RAM
 * on other machines (and GPUs the table does not know: none is measured, the
 * GPU then has no figure) is measured once with a bounded memory-copy test
 * and cached in a JSON file, keyed by the CPU and RAM size so a different
 * machine (or a RAM upgrade) measures again.
 *
 * The copy test: copy a buffer larger than any CPU cache (256 MiB by default)
 * with Buffer.copy (a memcpy) several times, for about 200 ms in all, and keep
 * the best run. The figure follows the STREAM "Copy" convention: bytes read
 * plus bytes written per second, i.e. 2 × size / time. It is single-threaded,
 * so on machines where one core cannot saturate the memory controller it is
 * lower than what all cores together can pull (see design.md, speed).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { lookupKnownBandwidth } from './known-bandwidth.js';
import type { GpuInfo, HardwareSnapshot, MemoryBandwidth } from './types.js';

export const BANDWIDTH_CACHE_FILE = 'memory-bandwidth.json';

export interface CopyTestOptions {
  /** Bytes per buffer (two are allocated). Default 256 MiB. */
  readonly bytes?: number;
  /** Stop timing new copies after this long (the untimed warm-up copy excluded). Default 200 ms. */
  readonly budgetMs?: number;
  /** Never more than this many timed copies. Default 8. */
  readonly maxRuns?: number;
  readonly clock?: () => number;
}

export interface CopyTestResult {
  readonly gbps: number;
  readonly runs: number;
  readonly bytes: number;
}

/** Measure RAM bandwidth with Buffer.copy. Blocks the event loop for about `budgetMs`. */
export function measureCopyBandwidth(options: CopyTestOptions = {}): CopyTestResult {
  const bytes = options.bytes ?? 256 * 1024 * 1024;
  const budgetMs = options.budgetMs ?? 200;
  const maxRuns = options.maxRuns ?? 8;
  const clock = options.clock ?? (() => performance.now());
  const source = Buffer.alloc(bytes, 1);
  const target = Buffer.allocUnsafe(bytes);
  source.copy(target); // untimed: the first touch of `target` pays page faults, not bandwidth
  const started = clock();
  let bestSeconds = Number.POSITIVE_INFINITY;
  let runs = 0;
  while (runs < maxRuns && (runs < 2 || clock() - started < budgetMs)) {
    const t0 = clock();
    source.copy(target);
    const seconds = (clock() - t0) / 1000;
    runs += 1;
    if (seconds > 0 && seconds < bestSeconds) bestSeconds = seconds;
  }
  const gbps = Number.isFinite(bestSeconds) ? (2 * bytes) / bestSeconds / 1e9 : 0;
  return { gbps: Math.round(gbps * 10) / 10, runs, bytes };
}

const cacheSchema = z.object({
  machineKey: z.string(),
  gbps: z.number().positive(),
  runs: z.number().int(),
  bytes: z.number().int(),
  measuredAt: z.number(),
});
type CachedMeasurement = z.infer<typeof cacheSchema>;

export interface ResolveBandwidthOptions {
  readonly hardware: HardwareSnapshot;
  /** Folder for memory-bandwidth.json. */
  readonly cacheDir: string;
  /** Replace the copy test (tests). */
  readonly measure?: () => CopyTestResult;
  readonly now?: () => number;
}

/** Bandwidth for the CPU and for the GPU the fit would use, from the table, the cache or one measurement. */
export async function resolveMemoryBandwidth(options: ResolveBandwidthOptions): Promise<MemoryBandwidth> {
  const { hardware } = options;
  const gpu = primaryGpu(hardware.gpus);
  const gpuKnown = gpu ? lookupKnownBandwidth(gpu.model, gpu.cores) : undefined;

  if (hardware.appleSilicon) {
    // Unified memory: the chip's figure serves CPU and GPU. The GPU reports the chip name ("Apple M2 Pro").
    const chip = gpuKnown ?? lookupKnownBandwidth(hardware.cpu.brand, gpu?.cores);
    if (chip) {
      const source = { kind: 'spec-table' as const, detail: chip.detail };
      return { cpuGBps: chip.gbps, cpuSource: source, gpuGBps: chip.gbps, gpuSource: source };
    }
  }

  const measured = await measuredCpuBandwidth(options);
  const cpuSource = {
    kind: 'measured' as const,
    detail: `Buffer.copy of ${Math.round(measured.bytes / 1024 / 1024)} MiB, best of ${measured.runs} (read + write)`,
  };
  if (!gpu || !gpuKnown) {
    return { cpuGBps: measured.gbps, cpuSource, gpuGBps: null, gpuSource: null };
  }
  return { cpuGBps: measured.gbps, cpuSource, gpuGBps: gpuKnown.gbps, gpuSource: { kind: 'spec-table', detail: gpuKnown.detail } };
}

/** The GPU the fit offloads to: the discrete one with the most memory (or the Apple GPU). */
export function primaryGpu(gpus: readonly GpuInfo[]): GpuInfo | undefined {
  const apple = gpus.find((gpu) => gpu.vendor === 'apple' && gpu.unifiedMemory);
  if (apple) return apple;
  const discrete = gpus.filter((gpu) => !gpu.unifiedMemory && (gpu.vramTotalBytes ?? 0) > 0);
  return discrete.sort((a, b) => (b.vramTotalBytes ?? 0) - (a.vramTotalBytes ?? 0))[0];
}

async function measuredCpuBandwidth(options: ResolveBandwidthOptions): Promise<CachedMeasurement> {
  const file = join(options.cacheDir, BANDWIDTH_CACHE_FILE);
  const machineKey = machineKeyOf(options.hardware);
  const cached = await readCache(file);
  if (cached && cached.machineKey === machineKey) return cached;

  const result = (options.measure ?? measureCopyBandwidth)();
  const entry: CachedMeasurement = { machineKey, ...result, measuredAt: (options.now ?? Date.now)() };
  if (result.gbps > 0) await writeCache(file, entry);
  return entry;
}

function machineKeyOf(hardware: HardwareSnapshot): string {
  const gib = Math.round(hardware.memory.totalBytes / 2 ** 30);
  return `${hardware.cpu.manufacturer} ${hardware.cpu.brand} | ${hardware.cpu.logicalCores} threads | ${gib} GiB`;
}

async function readCache(file: string): Promise<CachedMeasurement | undefined> {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // missing or unreadable: measure again
  }
}

async function writeCache(file: string, entry: CachedMeasurement): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`);
  await rename(temp, file);
}
