/**
 * What Homeport knows about the machine it runs on. Produced by probe.ts,
 * read by the fit and speed estimates (fit.ts, speed.ts) and shown by the UI.
 * Plain data: every field is serialisable, so a snapshot can be cached,
 * logged or written into a test as it is.
 */

export type GpuVendor = 'nvidia' | 'amd' | 'intel' | 'apple' | 'other';

export interface CpuInfo {
  /** e.g. `AMD`, `Intel`, `Apple`. */
  readonly manufacturer: string;
  /** e.g. `Ryzen 9 7950X`, `Core™ i7-12700K`, `M2 Pro`. */
  readonly brand: string;
  readonly physicalCores: number;
  readonly logicalCores: number;
  /** SIMD extensions llama.cpp's CPU kernels use. */
  readonly flags: { readonly avx2: boolean; readonly avx512: boolean; readonly neon: boolean };
}

export interface MemoryInfo {
  readonly totalBytes: number;
  /** What the OS says can be given to a new process now (free + reclaimable cache). */
  readonly availableBytes: number;
}

export interface GpuInfo {
  readonly vendor: GpuVendor;
  /** As the driver names it, e.g. `NVIDIA GeForce RTX 4090`, `Apple M2 Pro`. */
  readonly model: string;
  /** Dedicated memory; null when unknown. For unified memory this is null (see `unifiedMemory`). */
  readonly vramTotalBytes: number | null;
  /** Free dedicated memory now (NVIDIA through nvidia-smi); null when the driver does not say. */
  readonly vramFreeBytes: number | null;
  readonly driverVersion: string | null;
  /** Shares system RAM with the CPU (Apple Silicon, most integrated GPUs). */
  readonly unifiedMemory: boolean;
  /** GPU core count where the OS reports it (Apple Silicon). */
  readonly cores: number | null;
}

export interface OsInfo {
  /** `linux`, `darwin`, `win32`. */
  readonly platform: string;
  readonly distro: string;
  readonly release: string;
  /** `x64`, `arm64`. */
  readonly arch: string;
}

export interface HardwareSnapshot {
  readonly cpu: CpuInfo;
  readonly memory: MemoryInfo;
  readonly gpus: readonly GpuInfo[];
  readonly os: OsInfo;
  /** Apple Silicon: CPU and GPU share one memory pool, counted once by the fit. */
  readonly appleSilicon: boolean;
  /** ms since epoch. */
  readonly probedAt: number;
}

/** One point of a read-bandwidth curve: scanning `bytes` again and again ran at `gbps`. */
export interface BandwidthPoint {
  readonly bytes: number;
  readonly gbps: number;
}

/** Memory bandwidth figures the speed estimate divides by, in GB/s (10^9 bytes per second). */
export interface MemoryBandwidth {
  /** System RAM as the CPU sees it (for a working set far larger than the CPU caches). */
  readonly cpuGBps: number;
  readonly cpuSource: BandwidthSource;
  /**
   * Measured read bandwidth by working-set size, ascending: a model whose
   * per-token reads fit partly in a large last-level cache decodes faster than
   * `cpuGBps` allows. Absent for spec figures.
   */
  readonly cpuCurve?: readonly BandwidthPoint[];
  /** The GPU the fit would offload to; null without one. */
  readonly gpuGBps: number | null;
  readonly gpuSource: BandwidthSource | null;
}

export interface BandwidthSource {
  /** `assumed`: no figure for this device; an estimate from another (the detail says which). */
  readonly kind: 'spec-table' | 'measured' | 'assumed';
  /** Human-readable: `NVIDIA spec for GeForce RTX 4090`, `Buffer.copy test, best of 5`... */
  readonly detail: string;
}
