/**
 * Synthetic model shapes with the published architecture numbers of real
 * model families and weights at a given bytes-per-parameter, for fit tests.
 */
import type { ModelShape } from '../../main/hardware/model-shape.js';
import type { HardwareSnapshot, GpuInfo } from '../../main/hardware/types.js';

export const GIB = 1024 ** 3;

interface ShapeSpec {
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly embedding: number;
  readonly feedForward: number;
  readonly vocab: number;
  readonly trainedContext: number;
  /** 0.5625 ≈ Q4_0 / Q4_K_M average, 2 = F16. */
  readonly bytesPerParam: number;
  readonly experts?: { readonly count: number; readonly used: number };
  readonly tiedEmbeddings?: boolean;
}

export function shapeOf(spec: ShapeSpec): ModelShape {
  const headDim = spec.embedding / spec.heads;
  const attention = spec.embedding * spec.embedding * 2 + spec.embedding * spec.kvHeads * headDim * 2;
  const expertCount = spec.experts?.count ?? 1;
  const ffn = 3 * spec.embedding * spec.feedForward * expertCount;
  const layerParams = attention + ffn + 2 * spec.embedding;
  const embedding = spec.vocab * spec.embedding * spec.bytesPerParam;
  return {
    layers: spec.layers,
    headCount: spec.heads,
    kvHeadCount: spec.kvHeads,
    headDimK: headDim,
    headDimV: headDim,
    embeddingLength: spec.embedding,
    feedForwardLength: spec.feedForward,
    vocabSize: spec.vocab,
    trainedContext: spec.trainedContext,
    weights: {
      inputBytes: embedding,
      outputBytes: embedding + spec.embedding * 4,
      layerBytes: new Array<number>(spec.layers).fill(layerParams * spec.bytesPerParam),
      expertBytes: spec.experts ? spec.layers * ffn * spec.bytesPerParam : 0,
      ...(spec.tiedEmbeddings ? { sharedInputOutputBytes: embedding } : {}),
    },
    experts: spec.experts ?? null,
  };
}

/** Llama-3.1-8B: 32 layers, 32 heads / 8 KV heads of 128, 4096 wide, FFN 14336, vocab 128256, 128k context. */
export const LLAMA_31_8B_Q4 = shapeOf({ layers: 32, heads: 32, kvHeads: 8, embedding: 4096, feedForward: 14336, vocab: 128256, trainedContext: 131072, bytesPerParam: 0.5625 });
/** Llama-2-7B: no GQA (32 KV heads), FFN 11008, vocab 32000, 4k context. */
export const LLAMA_2_7B_Q4 = shapeOf({ layers: 32, heads: 32, kvHeads: 32, embedding: 4096, feedForward: 11008, vocab: 32000, trainedContext: 4096, bytesPerParam: 0.5625 });
/** Llama-3.1-70B: 80 layers, 64 heads / 8 KV heads, 8192 wide, FFN 28672. */
export const LLAMA_31_70B_Q4 = shapeOf({ layers: 80, heads: 64, kvHeads: 8, embedding: 8192, feedForward: 28672, vocab: 128256, trainedContext: 131072, bytesPerParam: 0.5625 });
/** Mixtral 8x7B: 32 layers, 32 / 8 KV heads, 8 experts of FFN 14336, 2 used per token. */
export const MIXTRAL_8X7B_Q4 = shapeOf({ layers: 32, heads: 32, kvHeads: 8, embedding: 4096, feedForward: 14336, vocab: 32000, trainedContext: 32768, bytesPerParam: 0.5625, experts: { count: 8, used: 2 } });

export function nvidiaGpu(model: string, vramGiB: number): GpuInfo {
  return { vendor: 'nvidia', model, vramTotalBytes: vramGiB * GIB, vramFreeBytes: null, driverVersion: '550.0', unifiedMemory: false, cores: null };
}

export function machine(options: { ramGiB: number; gpus?: readonly GpuInfo[]; apple?: string }): HardwareSnapshot {
  const apple = options.apple;
  return {
    cpu: {
      manufacturer: apple ? 'Apple' : 'AMD',
      brand: apple ?? 'Ryzen 9 7950X',
      physicalCores: 16,
      logicalCores: 32,
      flags: { avx2: !apple, avx512: !apple, neon: Boolean(apple) },
    },
    memory: { totalBytes: options.ramGiB * GIB, availableBytes: options.ramGiB * GIB * 0.8 },
    gpus: apple
      ? [{ vendor: 'apple', model: `Apple ${apple}`, vramTotalBytes: null, vramFreeBytes: null, driverVersion: null, unifiedMemory: true, cores: null }]
      : (options.gpus ?? []),
    os: apple ? { platform: 'darwin', distro: 'macOS', release: '15.0', arch: 'arm64' } : { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
    appleSilicon: Boolean(apple),
    probedAt: 0,
  };
}
