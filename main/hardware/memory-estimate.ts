/**
 * Byte counts for one model placement: weights split between CPU and GPU,
 * KV cache and llama.cpp's compute buffers. Pure arithmetic on a ModelShape;
 * design.md explains each formula and where it comes from.
 */
import { kvHeadsOfLayer, type ModelShape } from './model-shape.js';

export const KV_CACHE_TYPES = ['f16', 'q8_0', 'q4_0'] as const;
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

/** Bytes per cached element: f16 is 2; q8_0 packs 32 values in 34 bytes, q4_0 in 18 (ggml block sizes). */
export const KV_BYTES_PER_ELEMENT: Readonly<Record<KvCacheType, number>> = {
  f16: 2,
  q8_0: 34 / 32,
  q4_0: 18 / 32,
};

/** llama.cpp rounds each sequence's context up to a multiple of 256 cells. */
export const CONTEXT_PADDING = 256;

/** llama.cpp's default physical batch (`n_ubatch`): the compute buffers are sized for it. */
export const DEFAULT_UBATCH = 512;

export function padContext(contextSize: number): number {
  return Math.ceil(Math.max(1, contextSize) / CONTEXT_PADDING) * CONTEXT_PADDING;
}

/** Which layers sit on the GPU when `gpuLayers` of `layers + 1` are offloaded (llama.cpp: from the last block down). */
export function firstGpuLayer(shape: ModelShape, gpuLayers: number): number {
  // llama.cpp: i_gpu_start = n_layer + 1 - n_gpu_layers; the output layer counts as the last one.
  return Math.max(0, shape.layers + 1 - gpuLayers);
}

/** KV cache bytes for one token of context, over the given layers (all by default). */
export function kvBytesPerToken(shape: ModelShape, kvCacheType: KvCacheType = 'f16', fromLayer = 0, toLayer = shape.layers): number {
  let elements = 0;
  for (let layer = fromLayer; layer < toLayer; layer += 1) {
    // K and V: one vector of head_dim per KV head, per layer.
    elements += kvHeadsOfLayer(shape, layer) * (shape.headDimK + shape.headDimV);
  }
  return elements * KV_BYTES_PER_ELEMENT[kvCacheType];
}

export interface PlacementInput {
  readonly shape: ModelShape;
  /** Context per slot (sequence), in tokens. */
  readonly contextSize: number;
  readonly slots: number;
  readonly kvCacheType: KvCacheType;
  /** Offloaded layers, 0 … layers + 1. */
  readonly gpuLayers: number;
  readonly ubatch?: number;
}

export interface SideBytes {
  readonly weights: number;
  readonly kvCache: number;
  readonly compute: number;
}

export interface PlacementBytes {
  readonly cpu: SideBytes;
  readonly gpu: SideBytes;
}

/** Bytes on each side (CPU RAM, GPU VRAM) for a placement, before any headroom. */
export function placementBytes(input: PlacementInput): PlacementBytes {
  const { shape, slots, kvCacheType } = input;
  const gpuLayers = clamp(Math.round(input.gpuLayers), 0, shape.layers + 1);
  const start = firstGpuLayer(shape, gpuLayers);
  const cells = padContext(input.contextSize) * slots;

  let cpuWeights = shape.weights.inputBytes;
  let gpuWeights = 0;
  shape.weights.layerBytes.forEach((bytes, layer) => {
    if (layer >= start && gpuLayers > 0) gpuWeights += bytes;
    else cpuWeights += bytes;
  });
  if (gpuLayers > 0) gpuWeights += shape.weights.outputBytes;
  else cpuWeights += shape.weights.outputBytes - (shape.weights.sharedInputOutputBytes ?? 0);

  const gpuStart = gpuLayers > 0 ? Math.min(start, shape.layers) : shape.layers;
  const cpuKv = kvBytesPerToken(shape, kvCacheType, 0, gpuStart) * cells;
  const gpuKv = kvBytesPerToken(shape, kvCacheType, gpuStart, shape.layers) * cells;

  const compute = computeBufferBytes({ shape, contextSize: input.contextSize, slots, ubatch: input.ubatch });
  const cpuLayersLeft = gpuStart > 0;
  // The device holding the output layer computes the logits and so needs the full buffer. A CPU that
  // still runs some blocks needs their activations and the attention mask; it always embeds the input.
  const cpuCompute =
    gpuLayers === 0 ? compute.total : compute.inputEmbedding + (cpuLayersLeft ? compute.blockActivations + compute.attentionMask : 0);
  const gpuCompute = gpuLayers === 0 ? 0 : compute.total;

  return {
    cpu: { weights: cpuWeights, kvCache: cpuKv, compute: cpuCompute },
    gpu: { weights: gpuWeights, kvCache: gpuKv, compute: gpuCompute },
  };
}

export interface ComputeBufferInput {
  readonly shape: ModelShape;
  readonly contextSize: number;
  readonly slots: number;
  readonly ubatch?: number;
}

export interface ComputeBufferBytes {
  /** Everything one device reserves when it runs the whole graph. */
  readonly total: number;
  /** The F16 KQ mask: one entry per (cached cell, batch token); it lives for the whole graph. */
  readonly attentionMask: number;
  /** Peak live activations inside a block (FFN gate/up/down and the residual stream). */
  readonly blockActivations: number;
  /** Logits of a full batch plus the last hidden state. */
  readonly logits: number;
  /** llama.cpp's output buffer: one row of logits per sequence. */
  readonly outputBuffer: number;
  /** Input embeddings of a batch (on the CPU, where token_embd is). */
  readonly inputEmbedding: number;
}

/**
 * llama.cpp's compute buffer with flash attention (its default, `auto`,
 * enables it on CPU, CUDA, Metal and Vulkan). ggml's allocator reuses memory
 * once a tensor is dead, so the buffer is the peak of the live set, not the
 * sum of all tensors: either the logits of a full batch (big vocabularies) or
 * the FFN activations (small ones), plus the mask that lives throughout.
 */
export function computeBufferBytes(input: ComputeBufferInput): ComputeBufferBytes {
  const { shape, slots } = input;
  const cells = padContext(input.contextSize) * slots;
  const ubatch = Math.min(input.ubatch ?? DEFAULT_UBATCH, cells);
  const f32 = 4;
  const f16 = 2;
  const usedExperts = shape.experts ? Math.max(1, shape.experts.used) : 1;
  const ffnWidth = shape.feedForwardLength * usedExperts;

  const attentionMask = f16 * ubatch * cells;
  const logits = f32 * ubatch * (shape.vocabSize + shape.embeddingLength);
  const blockActivations = f32 * ubatch * (3 * ffnWidth + 2 * shape.embeddingLength);
  const outputBuffer = f32 * shape.vocabSize * slots;
  const inputEmbedding = f32 * ubatch * shape.embeddingLength;
  return {
    total: attentionMask + Math.max(logits, blockActivations) + outputBuffer,
    attentionMask,
    blockActivations,
    logits,
    outputBuffer,
    inputEmbedding,
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
