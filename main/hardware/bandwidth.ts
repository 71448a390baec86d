/**
 * Memory bandwidth for the speed estimate.
 *
 * GPUs and Apple chips: the vendor figure from known-bandwidth.ts. System RAM
 * on other machines is measured once with a bounded read test and cached in a
 * JSON file, keyed by the CPU and RAM size so a different machine (or a RAM
 * upgrade) measures again. A discrete GPU the table does not know gets no
 * figure, and the speed estimate says "bandwidth unknown"; an Apple chip the
 * table does not know gets the measured CPU figure, labelled an estimate.
 *
 * The read test scans buffers of growing size (16 to 256 MiB) for a byte
 * that is not there (Buffer.indexOf → memchr, a vectorised read that writes
 * nothing), interleaving the sizes for about 300 ms and keeping each size's
 * best run. Decoding reads each weight once per token and writes almost
 * nothing, so a read figure is the one to divide by; a copy test (read +
 * write) understates it. The sizes matter: a model whose per-token reads fit
 * partly in a large last-level cache (this machine's EPYC reads a 56 MiB
 * working set 2–3× faster than 256 MiB) decodes faster than DRAM alone
 * allows, so the speed estimate reads the curve at the model's size
 * (design.md, speed). Single-threaded, like the embedded runtime's default.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { lookupKnownBandwidth } from './known-bandwidth.js';
import type { BandwidthPoint, GpuInfo, HardwareSnapshot, MemoryBandwidth } from './types.js';

export { bandwidthAt } from './bandwidth-curve.js';

export const BANDWIDTH_CACHE_FILE = 'memory-bandwidth.json';

const MIB = 1024 * 1024;
/** Working-set sizes the read test scans. */
export const READ_TEST_SIZES: readonly number[] = [16 * MIB, 32 * MIB, 64 * MIB, 128 * MIB, 256 * MIB];

export interface ReadTestOptions {
  /** Working-set sizes, ascending; one buffer of the largest is allocated. Default READ_TEST_SIZES. */
  readonly sizes?: readonly number[];
  /** Stop starting new rounds after this long. Default 300 ms. */
  readonly budgetMs?: number;
  /** Never more than this many rounds (each scans every size once). Default 12. */
  readonly maxRounds?: number;
  readonly clock?: () => number;
  /** Seconds of CPU this process has used (default process.cpuUsage); see measureReadBandwidth. */
  readonly cpuSeconds?: () => number;
}

export interface ReadTestResult {
  /** Best read bandwidth per size, ascending by size. */
  readonly curve: readonly BandwidthPoint[];
  /** The figure at the largest size: RAM beyond the caches. */
  readonly gbps: number;
  readonly rounds: number;
}

/**
 * Measure read bandwidth by working-set size. Blocks the event loop for about
 * `budgetMs`. Each scan is timed by the shorter of wall-clock and CPU time: on
 * a busy machine a scan waits for a core, which wall-clock counts and CPU time
 * does not (this shared 2-core VM at load 15 read 256 MiB at 5–14 GB/s by
 * the wall clock and a steady 27–31 GB/s by CPU time); when other threads of
 * the process run, CPU time counts them and the wall clock does not.
 */
export function measureReadBandwidth(options: ReadTestOptions = {}): ReadTestResult {
  const sizes = [...(options.sizes ?? READ_TEST_SIZES)].sort((a, b) => a - b);
  const budgetMs = options.budgetMs ?? 300;
  const maxRounds = options.maxRounds ?? 12;
  const clock = options.clock ?? (() => performance.now());
  const cpuSeconds = options.cpuSeconds ?? processCpuSeconds;
  const largest = sizes[sizes.length - 1] ?? 0;
  const buffer = Buffer.alloc(largest, 1); // written once here, so no page faults are timed
  const views = sizes.map((size) => buffer.subarray(0, size));
  const best = sizes.map(() => Number.POSITIVE_INFINITY);
  const started = clock();
  let rounds = 0;
  while (rounds < maxRounds && (rounds < 3 || clock() - started < budgetMs)) {
    views.forEach((view, index) => {
      view.indexOf(0); // warm this size's working set into the caches it fits in
      const t0 = clock();
      const c0 = cpuSeconds();
      const found = view.indexOf(0);
      const cpu = cpuSeconds() - c0;
      const wall = (clock() - t0) / 1000;
      const seconds = cpu > 0 ? Math.min(wall, cpu) : wall;
      if (found !== -1) throw new Error('read test: the scanned byte must not be in the buffer');
      if (seconds > 0 && seconds < best[index]!) best[index] = seconds;
    });
    rounds += 1;
  }
  const curve = sizes.map((bytes, index) => ({ bytes, gbps: Number.isFinite(best[index]!) ? round1(bytes / best[index]! / 1e9) : 0 }));
  return { curve, gbps: curve[curve.length - 1]?.gbps ?? 0, rounds };
}

function processCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Bumped when the test changes, so figures from an older test are measured again. */
const TEST_METHOD = 'read-scan-v2';

const cacheSchema = z.object({
  machineKey: z.string(),
  method: z.literal(TEST_METHOD),
  gbps: z.number().positive(),
  curve: z.array(z.object({ bytes: z.number().int().positive(), gbps: z.number().nonnegative() })),
  rounds: z.number().int(),
  measuredAt: z.number(),
});
type CachedMeasurement = z.infer<typeof cacheSchema>;

export interface ResolveBandwidthOptions {
  readonly hardware: HardwareSnapshot;
  /** Folder for memory-bandwidth.json. */
  readonly cacheDir: string;
  /** Replace the read test (tests). */
  readonly measure?: () => ReadTestResult;
  readonly now?: () => number;
}

/** Bandwidth for the CPU and for the GPU the fit would use, from the table, the cache or one measurement. */
export async function resolveMemoryBandwidth(options: ResolveBandwidthOptions): Promise<MemoryBandwidth> {
  const { hardware } = options;
  const gpu = primaryGpu(hardware.gpus);
  const gpuKnown = gpu ? lookupKnownBandwidth(gpu.model, gpu.cores, gpu.vramTotalBytes) : undefined;

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
    detail: `read test (one thread, ${measured.curve.map((point) => `${Math.round(point.bytes / MIB)} MiB ${point.gbps}`).join(', ')} GB/s), best of ${measured.rounds}`,
  };
  const cpu = { cpuGBps: measured.gbps, cpuSource, cpuCurve: measured.curve };
  if (!gpu) return { ...cpu, gpuGBps: null, gpuSource: null };
  if (gpuKnown) return { ...cpu, gpuGBps: gpuKnown.gbps, gpuSource: { kind: 'spec-table', detail: gpuKnown.detail } };
  if (hardware.appleSilicon) {
    // Unified memory the table does not know: the CPU's measured figure is a floor for the GPU.
    const detail = `bandwidth unknown for ${gpu.model}: estimated from the CPU's measured ${measured.gbps} GB/s (the GPU reads at least as fast)`;
    return { ...cpu, gpuGBps: measured.gbps, gpuSource: { kind: 'assumed', detail } };
  }
  return { ...cpu, gpuGBps: null, gpuSource: { kind: 'assumed', detail: unknownGpuDetail(gpu) } };
}

/** What the speed estimate says for a GPU without a vendor figure. */
export function unknownGpuDetail(gpu: Pick<GpuInfo, 'model'>): string {
  return `bandwidth unknown for ${gpu.model}: not in Homeport's vendor table, and a GPU cannot be measured without its runtime`;
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

  const result = (options.measure ?? measureReadBandwidth)();
  const entry: CachedMeasurement = { machineKey, method: TEST_METHOD, ...result, curve: [...result.curve], measuredAt: (options.now ?? Date.now)() };
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
