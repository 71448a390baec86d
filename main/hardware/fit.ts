/**
 * Will this model fit this machine? A pure decision: model shape + context +
 * hardware snapshot in, a verdict with a memory breakdown, the largest
 * context each placement allows and a one-line reason out. design.md (beside
 * this file) explains the formulas, the headroom and what is left out.
 */
import { primaryGpu } from './bandwidth.js';
import { repackedTypes } from './cpu-repack.js';
import { placementBytes, type KvCacheType, type PlacementBytes, type SideBytes, CONTEXT_PADDING } from './memory-estimate.js';
import type { ModelShape } from './model-shape.js';
import type { GpuInfo, HardwareSnapshot } from './types.js';

export type FitVerdict = 'full-gpu' | 'partial-gpu' | 'cpu-only' | 'does-not-fit';

export interface FitPolicy {
  /** RAM kept for the OS and other programs: the larger of this share of total RAM… */
  readonly ramReserveFraction: number;
  /** …and this many bytes. */
  readonly ramReserveMinBytes: number;
  /** The runtime process itself before any model (Node + llama.cpp backend + the worker's server), in RAM. */
  readonly runtimeOverheadBytes: number;
  /**
   * Flash attention is assumed on for heads at least this wide and off below
   * (the embedded worker's rule, runtimes/embedded/flash-attention.ts); 0 = always on.
   */
  readonly flashAttentionMinHeadDim: number;
  /** VRAM kept for the driver, the CUDA/Vulkan context and the desktop: the larger of this share… */
  readonly vramReserveFraction: number;
  /** …and this many bytes. */
  readonly vramReserveMinBytes: number;
  /** Largest context considered when searching; the model's trained context when it is known. */
  readonly maxContextFallback: number;
  /** llama.cpp's physical batch. */
  readonly ubatch: number;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export const DEFAULT_FIT_POLICY: FitPolicy = {
  ramReserveFraction: 0.1,
  ramReserveMinBytes: 2 * GIB,
  // The embedded worker (compiled, Node 20, node-llama-cpp 3.21.1 CPU backend) measured 104–110 MiB RSS
  // with a 1 MB model loaded (design.md).
  runtimeOverheadBytes: 106 * MIB,
  flashAttentionMinHeadDim: 64,
  vramReserveFraction: 0.05,
  vramReserveMinBytes: 512 * MIB,
  maxContextFallback: 131072,
  ubatch: 512,
};

export interface FitRequest {
  readonly model: ModelShape;
  /** Context per slot, in tokens. */
  readonly contextSize: number;
  /** Parallel sequences (slots); each gets `contextSize` tokens of KV cache. Default 1. */
  readonly slots?: number;
  readonly kvCacheType?: KvCacheType;
  readonly hardware: HardwareSnapshot;
  readonly policy?: Partial<FitPolicy>;
  /**
   * Tokens one sequence holds when the memory is read, for comparing the prediction with a process
   * measured after a conversation shorter than its context (the attention mask and scores are
   * written only as far as the context is used). Changes `memory` only: the verdict, placement and
   * context limits are always for the full context, which is what users are told. Default: full.
   */
  readonly contextInUse?: number;
}

/**
 * The memory of the runtime process serving the model, in four parts that add
 * up to the total: weightsBytes + kvCacheBytes + computeBytes + overheadBytes
 * === totalBytes === ramBytes + vramBytes. The sub-parts add up to their part.
 */
export interface MemoryBreakdown {
  /** Weights as stored in the file, plus the CPU's repacked copy. */
  readonly weightsBytes: number;
  /** Of weightsBytes: the repacked copy (cpu-repack.ts); its file-backed twin is reclaimable. */
  readonly repackedWeightsBytes: number;
  readonly kvCacheBytes: number;
  readonly computeBytes: number;
  /** The runtime's own memory: runtimeBytes + vocabularyBytes. */
  readonly overheadBytes: number;
  /** The runtime process before any model (policy.runtimeOverheadBytes). */
  readonly runtimeBytes: number;
  /** The vocabulary tables llama.cpp builds when it loads the model. */
  readonly vocabularyBytes: number;
  readonly totalBytes: number;
  /** Of the total, what lives in system RAM… */
  readonly ramBytes: number;
  /** …and in GPU memory (for unified memory: the GPU's share of the same pool). */
  readonly vramBytes: number;
  /**
   * Of ramBytes, clean file pages the kernel may drop when memory is short
   * (the mapped originals of repacked tensors): not counted against the budget.
   */
  readonly reclaimableBytes: number;
  /** Whether the compute buffer was sized with flash attention on. */
  readonly flashAttention: boolean;
}

export interface MemoryBudget {
  /** RAM usable by the model: total minus the OS reserve. */
  readonly ramBytes: number;
  /** GPU memory usable by the model, or null without a usable GPU. */
  readonly vramBytes: number | null;
  /** CPU and GPU share one pool (Apple Silicon): counted once. */
  readonly unified: boolean;
  readonly gpuName: string | null;
}

export interface ContextLimit {
  /** Largest context per slot (a multiple of 256, at most the trained context), or null when none fits. */
  readonly contextSize: number | null;
  /** GPU layers used at that context (partial placement). */
  readonly gpuLayers: number;
}

export interface FitDecision {
  readonly verdict: FitVerdict;
  /** Offloaded layers and llama.cpp's layer count (blocks + output layer), e.g. 20 of 33. */
  readonly gpuLayers: number;
  readonly totalLayers: number;
  readonly contextSize: number;
  readonly slots: number;
  readonly kvCacheType: KvCacheType;
  /** For the verdict's placement; for does-not-fit, for running on the CPU. */
  readonly memory: MemoryBreakdown;
  readonly budget: MemoryBudget;
  readonly maxContext: { readonly fullGpu: ContextLimit; readonly partialGpu: ContextLimit; readonly cpuOnly: ContextLimit };
  readonly reason: string;
  readonly warnings: readonly string[];
  /** The ggml types this CPU's llama.cpp backend repacks (cpu-repack.ts), for predictions at other placements. */
  readonly cpuRepackTypes: readonly string[];
}

interface Setup {
  readonly model: ModelShape;
  readonly slots: number;
  readonly kvCacheType: KvCacheType;
  readonly policy: FitPolicy;
  readonly budget: MemoryBudget;
  readonly repackTypes: readonly string[];
  readonly flashAttention: boolean;
}

/** Decide where the model runs at the requested context, and how far the context could go. */
export function fitModel(request: FitRequest): FitDecision {
  const policy = { ...DEFAULT_FIT_POLICY, ...request.policy };
  const slots = Math.max(1, Math.floor(request.slots ?? 1));
  const kvCacheType = request.kvCacheType ?? 'f16';
  const setup: Setup = {
    model: request.model,
    slots,
    kvCacheType,
    policy,
    budget: memoryBudget(request.hardware, policy),
    repackTypes: repackedTypes(request.hardware.cpu.flags),
    flashAttention: request.model.headDimK >= policy.flashAttentionMinHeadDim,
  };
  const totalLayers = request.model.layers + 1;
  const contextSize = Math.max(1, Math.floor(request.contextSize));

  const choice = choosePlacement(setup, contextSize);
  const maxContext = {
    fullGpu: largestContext(setup, (ctx) => (fitsAt(setup, ctx, totalLayers) ? totalLayers : null)),
    partialGpu: largestContext(setup, (ctx) => bestPartialLayers(setup, ctx)),
    cpuOnly: largestContext(setup, (ctx) => (fitsAt(setup, ctx, 0) ? 0 : null)),
  };
  const gpuLayers = choice?.gpuLayers ?? 0;
  const bytes = bytesAt(setup, contextSize, gpuLayers, request.contextInUse);
  const memory = breakdown(bytes, setup);
  const verdict: FitVerdict = !choice ? 'does-not-fit' : gpuLayers === 0 ? 'cpu-only' : gpuLayers === totalLayers ? 'full-gpu' : 'partial-gpu';

  return {
    verdict,
    gpuLayers,
    totalLayers,
    contextSize,
    slots,
    kvCacheType,
    memory,
    budget: setup.budget,
    maxContext,
    reason: explain({ setup, verdict, gpuLayers, totalLayers, memory, maxContext, hardware: request.hardware }),
    warnings: warningsFor({ setup, contextSize, memory, hardware: request.hardware }),
    cpuRepackTypes: setup.repackTypes,
  };
}

/** What the model may use: total memory minus the documented reserves. */
export function memoryBudget(hardware: HardwareSnapshot, policy: FitPolicy = DEFAULT_FIT_POLICY): MemoryBudget {
  const total = hardware.memory.totalBytes;
  const ramBytes = Math.max(0, total - Math.max(policy.ramReserveMinBytes, total * policy.ramReserveFraction));
  const gpu = primaryGpu(hardware.gpus);
  if (hardware.appleSilicon && gpu) {
    // Metal lets the GPU wire at most `recommendedMaxWorkingSetSize` of the shared memory (see design.md).
    return { ramBytes, vramBytes: Math.min(ramBytes, appleGpuWorkingSet(total)), unified: true, gpuName: gpu.model };
  }
  if (!gpu || !usableForOffload(gpu)) return { ramBytes, vramBytes: null, unified: false, gpuName: null };
  const vram = gpu.vramTotalBytes ?? 0;
  const vramBytes = Math.max(0, vram - Math.max(policy.vramReserveMinBytes, vram * policy.vramReserveFraction));
  return { ramBytes, vramBytes, unified: false, gpuName: gpu.model };
}

/** macOS's GPU working-set limit as llama.cpp logs it: 2/3 of memory up to 32 GiB, 3/4 above. */
export function appleGpuWorkingSet(totalBytes: number): number {
  return totalBytes > 32 * GIB ? totalBytes * 0.75 : (totalBytes * 2) / 3;
}

function usableForOffload(gpu: GpuInfo): boolean {
  // Discrete GPUs with their own memory and a llama.cpp backend (CUDA, ROCm/HIP, Vulkan, SYCL).
  return !gpu.unifiedMemory && (gpu.vramTotalBytes ?? 0) > 0 && gpu.vendor !== 'other';
}

function bytesAt(setup: Setup, contextSize: number, gpuLayers: number, contextInUse?: number): PlacementBytes {
  return placementBytes({
    ...(contextInUse !== undefined ? { contextInUse } : {}),
    shape: setup.model,
    contextSize,
    slots: setup.slots,
    kvCacheType: setup.kvCacheType,
    gpuLayers,
    ubatch: setup.policy.ubatch,
    flashAttention: setup.flashAttention,
    repackTypes: setup.repackTypes,
  });
}

function sideTotal(side: SideBytes): number {
  return side.weights + side.kvCache + side.compute;
}

function fitsAt(setup: Setup, contextSize: number, gpuLayers: number): boolean {
  const bytes = bytesAt(setup, contextSize, gpuLayers);
  // The repacked tensors' mapped originals are reclaimable page cache: counted once here.
  const ram = sideTotal(bytes.cpu) - bytes.cpu.repackedWeights + bytes.vocabulary + setup.policy.runtimeOverheadBytes;
  const vram = sideTotal(bytes.gpu);
  const { budget } = setup;
  if (gpuLayers > 0 && budget.vramBytes === null) return false;
  if (budget.unified) return vram <= (budget.vramBytes ?? 0) && ram + vram <= budget.ramBytes;
  return ram <= budget.ramBytes && (gpuLayers === 0 || vram <= (budget.vramBytes ?? 0));
}

function choosePlacement(setup: Setup, contextSize: number): { gpuLayers: number } | null {
  const totalLayers = setup.model.layers + 1;
  if (setup.budget.vramBytes !== null && fitsAt(setup, contextSize, totalLayers)) return { gpuLayers: totalLayers };
  const partial = bestPartialLayers(setup, contextSize);
  if (partial !== null) return { gpuLayers: partial };
  if (fitsAt(setup, contextSize, 0)) return { gpuLayers: 0 };
  return null;
}

/**
 * The most layers (1 … total − 1) whose GPU part fits the GPU budget, if the
 * rest then fits in RAM. GPU memory grows with every layer offloaded and RAM
 * shrinks, so the most layers that fit the GPU is also the best for RAM.
 */
function bestPartialLayers(setup: Setup, contextSize: number): number | null {
  const { budget } = setup;
  if (budget.vramBytes === null) return null;
  const vramAt = (layers: number) => sideTotal(bytesAt(setup, contextSize, layers).gpu);
  let low = 0;
  let high = setup.model.layers; // total - 1: full offload is not "partial"
  if (vramAt(1) > budget.vramBytes) return null;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (vramAt(mid) <= budget.vramBytes) low = mid;
    else high = mid - 1;
  }
  return low >= 1 && fitsAt(setup, contextSize, low) ? low : null;
}

/** Binary search on context (in steps of 256, up to the trained context): memory only grows with context. */
function largestContext(setup: Setup, layersThatFit: (contextSize: number) => number | null): ContextLimit {
  const cap = contextCap(setup);
  const step = CONTEXT_PADDING;
  const candidates = Math.floor(cap / step);
  const valueAt = (index: number) => (index === candidates + 1 ? cap : index * step);
  // Index 1 … candidates are multiples of 256; a cap that is not one is tried last.
  const last = cap % step === 0 ? candidates : candidates + 1;
  if (last < 1 || layersThatFit(valueAt(1)) === null) {
    // Below 256 tokens the KV cache is padded to 256 anyway: nothing smaller fits either.
    return { contextSize: null, gpuLayers: 0 };
  }
  let low = 1;
  let high = last;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (layersThatFit(valueAt(mid)) !== null) low = mid;
    else high = mid - 1;
  }
  const contextSize = valueAt(low);
  return { contextSize, gpuLayers: layersThatFit(contextSize) ?? 0 };
}

function contextCap(setup: Setup): number {
  return setup.model.trainedContext ?? setup.policy.maxContextFallback;
}

/** The four parts and their sub-parts for a placement (see MemoryBreakdown for what adds up to what). */
export function memoryBreakdown(bytes: PlacementBytes, options: { readonly runtimeBytes: number; readonly flashAttention: boolean }): MemoryBreakdown {
  const weightsBytes = bytes.cpu.weights + bytes.gpu.weights;
  const kvCacheBytes = bytes.cpu.kvCache + bytes.gpu.kvCache;
  const computeBytes = bytes.cpu.compute + bytes.gpu.compute;
  const runtimeBytes = options.runtimeBytes;
  const vocabularyBytes = bytes.vocabulary;
  const overheadBytes = runtimeBytes + vocabularyBytes;
  return {
    weightsBytes,
    repackedWeightsBytes: bytes.cpu.repackedWeights,
    kvCacheBytes,
    computeBytes,
    overheadBytes,
    runtimeBytes,
    vocabularyBytes,
    totalBytes: weightsBytes + kvCacheBytes + computeBytes + overheadBytes,
    ramBytes: sideTotal(bytes.cpu) + overheadBytes,
    vramBytes: sideTotal(bytes.gpu),
    reclaimableBytes: bytes.cpu.repackedWeights,
    flashAttention: options.flashAttention,
  };
}

function breakdown(bytes: PlacementBytes, setup: Setup): MemoryBreakdown {
  return memoryBreakdown(bytes, { runtimeBytes: setup.policy.runtimeOverheadBytes, flashAttention: setup.flashAttention });
}

/**
 * "total 289 MiB = weights 120.6 MiB (53.7 MiB of it a repacked copy) + KV cache
 * 24.0 MiB + compute 21.1 MiB + runtime 125.5 MiB": every part, in MiB with one
 * decimal so the figures read as a sum.
 */
export function describeBreakdown(memory: MemoryBreakdown): string {
  const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
  const repacked = memory.repackedWeightsBytes > 0 ? ` (${mib(memory.repackedWeightsBytes)} of it the CPU's repacked copy)` : '';
  return (
    `total ${mib(memory.totalBytes)} = weights ${mib(memory.weightsBytes)}${repacked} + KV cache ${mib(memory.kvCacheBytes)}` +
    ` + compute ${mib(memory.computeBytes)}${memory.flashAttention ? '' : ' (no flash attention)'}` +
    ` + runtime ${mib(memory.overheadBytes)} (process ${mib(memory.runtimeBytes)} + vocabulary ${mib(memory.vocabularyBytes)})`
  );
}

export function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(bytes >= 100 * MIB ? 0 : 1)} MiB`;
  return `${Math.max(0, Math.round(bytes / 1024))} KiB`;
}

interface ExplainInput {
  readonly setup: Setup;
  readonly verdict: FitVerdict;
  readonly gpuLayers: number;
  readonly totalLayers: number;
  readonly memory: MemoryBreakdown;
  readonly maxContext: FitDecision['maxContext'];
  readonly hardware: HardwareSnapshot;
}

function explain(input: ExplainInput): string {
  const { setup, verdict, gpuLayers, totalLayers, memory, maxContext } = input;
  const { budget } = setup;
  const gpu = budget.gpuName ?? 'GPU';
  const parts = describeBreakdown(memory);
  switch (verdict) {
    case 'full-gpu':
      return budget.unified
        ? `Fits entirely on the ${gpu} GPU: ${formatBytes(memory.vramBytes)} of ${formatBytes(budget.vramBytes ?? 0)} it may use of the shared memory (${parts}).`
        : `Fits entirely on the ${gpu}: ${formatBytes(memory.vramBytes)} of ${formatBytes(budget.vramBytes ?? 0)} usable VRAM (${parts}).`;
    case 'partial-gpu':
      return `${gpuLayers} of ${totalLayers} layers fit on the ${gpu} (${formatBytes(memory.vramBytes)} of ${formatBytes(budget.vramBytes ?? 0)} usable); the other ${totalLayers - gpuLayers} run on the CPU from RAM (${formatBytes(memory.ramBytes)} of ${formatBytes(budget.ramBytes)}) (${parts}).`;
    case 'cpu-only': {
      const why = budget.vramBytes === null ? 'No usable GPU' : `Not even one layer fits the ${gpu}'s ${formatBytes(budget.vramBytes)}`;
      return `${why}; runs on the CPU from RAM: ${formatBytes(memory.ramBytes)} of ${formatBytes(budget.ramBytes)} usable (${parts}).`;
    }
    case 'does-not-fit': {
      const limits = [
        maxContext.fullGpu.contextSize && `${maxContext.fullGpu.contextSize} on the GPU`,
        maxContext.partialGpu.contextSize && `${maxContext.partialGpu.contextSize} split across GPU and CPU`,
        maxContext.cpuOnly.contextSize && `${maxContext.cpuOnly.contextSize} on the CPU`,
      ].filter(Boolean);
      const room = budget.vramBytes === null ? `${formatBytes(budget.ramBytes)} usable RAM` : `${formatBytes(budget.ramBytes)} usable RAM and ${formatBytes(budget.vramBytes)} usable GPU memory`;
      const hint = limits.length ? `; a smaller context would fit (largest: ${limits.join(', ')})` : '; no context fits: the weights alone are too big';
      return `Does not fit: needs ${parts}, with ${room}${hint}.`;
    }
  }
}

interface WarningInput {
  readonly setup: Setup;
  readonly contextSize: number;
  readonly memory: MemoryBreakdown;
  readonly hardware: HardwareSnapshot;
}

function warningsFor(input: WarningInput): string[] {
  const { setup, contextSize, memory, hardware } = input;
  const warnings: string[] = [];
  const trained = setup.model.trainedContext;
  if (trained !== null && contextSize > trained) {
    warnings.push(`The context (${contextSize}) is beyond what the model was trained with (${trained}); quality may drop.`);
  }
  const ramNeeded = memory.ramBytes - memory.reclaimableBytes;
  if (ramNeeded > hardware.memory.availableBytes) {
    warnings.push(`It needs ${formatBytes(ramNeeded)} of RAM but only ${formatBytes(hardware.memory.availableBytes)} is free right now; close other programs first.`);
  }
  const gpu = primaryGpu(hardware.gpus);
  if (gpu && gpu.vramFreeBytes !== null && !setup.budget.unified && memory.vramBytes > gpu.vramFreeBytes) {
    warnings.push(`It needs ${formatBytes(memory.vramBytes)} of GPU memory but only ${formatBytes(gpu.vramFreeBytes)} is free right now.`);
  }
  const otherGpus = hardware.gpus.filter((g) => g !== gpu && !g.unifiedMemory && (g.vramTotalBytes ?? 0) > 0);
  if (otherGpus.length) warnings.push(`Only the ${gpu?.model ?? 'largest GPU'} is counted; splitting across several GPUs is not estimated.`);
  return warnings;
}
