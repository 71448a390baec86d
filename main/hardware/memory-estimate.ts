/**
 * Byte counts for one model placement: weights split between CPU and GPU,
 * KV cache and llama.cpp's compute buffers. Pure arithmetic on a ModelShape;
 * design.md explains each formula and where it comes from.
 */
import { repackedBytesOf } from './cpu-repack.js';
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
  /** Flash attention on (llama.cpp's `auto` on CPU, CUDA, Metal, Vulkan). Default true. */
  readonly flashAttention?: boolean;
  /** ggml types the CPU backend repacks (cpu-repack.ts); default none. */
  readonly repackTypes?: readonly string[];
  /**
   * Tokens one sequence holds at its largest batch so far; default the full context. Only the CPU's
   * working set depends on it (computeBufferBytes): for what a process holds after a conversation
   * shorter than its context, not for whether the model fits.
   */
  readonly contextInUse?: number;
}

export interface SideBytes {
  /** Weights held on this side; on the CPU including the repacked copy. */
  readonly weights: number;
  /** Of `weights`: llama.cpp's interleaved copy of repacked tensors (CPU only; the mapped originals stay resident too). */
  readonly repackedWeights: number;
  readonly kvCache: number;
  readonly compute: number;
}

export interface PlacementBytes {
  readonly cpu: SideBytes;
  readonly gpu: SideBytes;
  /** The vocabulary and per-model tables llama.cpp builds at load, in RAM (VOCABULARY_BYTES_PER_TOKEN). */
  readonly vocabulary: number;
}

/**
 * RAM llama.cpp allocates per vocabulary entry at load (token text, scores,
 * lookup maps). Measured here: a 32000-token SPM vocabulary added 18–23 MiB of
 * anonymous memory beyond the weights (bench-124m-q4_0, llama-2-tiny-random),
 * a 512-token one about 1 MiB.
 */
export const VOCABULARY_BYTES_PER_TOKEN = 640;

/** Bytes on each side (CPU RAM, GPU VRAM) for a placement, before any headroom. */
export function placementBytes(input: PlacementInput): PlacementBytes {
  const { shape, slots, kvCacheType } = input;
  const gpuLayers = clamp(Math.round(input.gpuLayers), 0, shape.layers + 1);
  const start = firstGpuLayer(shape, gpuLayers);
  const cells = padContext(input.contextSize) * slots;
  const repackTypes = input.repackTypes ?? [];
  const typed = shape.weights.matrixBytesByType;

  let cpuWeights = shape.weights.inputBytes;
  let gpuWeights = 0;
  let repacked = 0;
  shape.weights.layerBytes.forEach((bytes, layer) => {
    if (layer >= start && gpuLayers > 0) gpuWeights += bytes;
    else {
      cpuWeights += bytes;
      repacked += repackedBytesOf(typed?.layers[layer], repackTypes);
    }
  });
  if (gpuLayers > 0) gpuWeights += shape.weights.outputBytes;
  else {
    cpuWeights += shape.weights.outputBytes - (shape.weights.sharedInputOutputBytes ?? 0);
    repacked += repackedBytesOf(typed?.output, repackTypes);
  }

  const gpuStart = gpuLayers > 0 ? Math.min(start, shape.layers) : shape.layers;
  const cpuKv = kvBytesPerToken(shape, kvCacheType, 0, gpuStart) * cells;
  const gpuKv = kvBytesPerToken(shape, kvCacheType, gpuStart, shape.layers) * cells;

  const compute = computeBufferBytes({
    shape,
    contextSize: input.contextSize,
    slots,
    ubatch: input.ubatch,
    flashAttention: input.flashAttention,
    ...(input.contextInUse !== undefined ? { contextInUse: input.contextInUse } : {}),
  });
  const cpuLayersLeft = gpuStart > 0;
  // GPU memory is committed when reserved, so a GPU reserves llama.cpp's whole buffer. CPU buffers are
  // malloc'd and become RAM only where written: the CPU counts the working set of a generation.
  // The device holding the output layer computes the logits; a CPU that still runs some blocks needs
  // their activations and the attention mask; it always embeds the input.
  const cpuCompute = gpuLayers === 0 ? compute.workingSet : compute.inputEmbedding + (cpuLayersLeft ? compute.blockPeakInUse : 0);
  const gpuCompute = gpuLayers === 0 ? 0 : compute.total;

  return {
    cpu: { weights: cpuWeights + repacked, repackedWeights: repacked, kvCache: cpuKv, compute: cpuCompute },
    gpu: { weights: gpuWeights, repackedWeights: 0, kvCache: gpuKv, compute: gpuCompute },
    vocabulary: shape.vocabSize * VOCABULARY_BYTES_PER_TOKEN,
  };
}

export interface ComputeBufferInput {
  readonly shape: ModelShape;
  readonly contextSize: number;
  readonly slots: number;
  readonly ubatch?: number;
  /** Default true. */
  readonly flashAttention?: boolean;
  /** Tokens one sequence holds at its largest batch so far (default: the full context); see workingSet. */
  readonly contextInUse?: number;
}

export interface ComputeBufferBytes {
  /** What llama.cpp reserves for the whole graph (its `compute buffer size` + output buffer): a GPU commits all of it. */
  readonly total: number;
  /**
   * What a generation writes at most (a full batch of prompt, logits for one
   * token per sequence): the RAM a CPU buffer really takes. At a full context
   * unless `contextInUse` says less: llama.cpp sizes the mask and scores of a
   * batch by the cells its sequence uses so far (`n_kv`, padded to 256), so a
   * conversation shorter than the context writes only that part of them.
   */
  readonly workingSet: number;
  /** The KQ mask at a full context, F32 plus its F16 copy with flash attention: (batch token, cached cell of its sequence). */
  readonly attentionMask: number;
  /** Without flash attention: the F32 attention scores of one layer at a full context (heads × batch × cells of a sequence). */
  readonly attentionScores: number;
  /** Peak live activations inside a block (FFN gate/up/down and the residual stream). */
  readonly blockActivations: number;
  /** Mask plus the larger of scores and activations: the peak while the blocks run (at a full context). */
  readonly blockPeak: number;
  /** The same at `contextInUse` (equal to blockPeak without it): what a CPU running blocks writes. */
  readonly blockPeakInUse: number;
  /** Logits of a full batch plus the last hidden state (reserved; written only when every token's logits are asked for). */
  readonly logits: number;
  /** llama.cpp's output buffer: one row of logits per sequence. */
  readonly outputBuffer: number;
  /** Input embeddings of a batch (on the CPU, where token_embd is). */
  readonly inputEmbedding: number;
}

/**
 * llama.cpp's compute buffer. ggml's allocator reuses memory once a tensor is
 * dead, so the buffer is the peak of the live set, not the sum of all tensors:
 * either the blocks (mask + attention scores or FFN activations) or the logits
 * of a full batch. Each sequence has its own KV stream (node-llama-cpp and
 * llama-server's default with several slots), so the mask and scores span one
 * sequence's cells. Checked against llama.cpp's logs in design.md.
 */
export function computeBufferBytes(input: ComputeBufferInput): ComputeBufferBytes {
  const { shape, slots } = input;
  const cellsPerSequence = padContext(input.contextSize);
  const ubatch = Math.min(input.ubatch ?? DEFAULT_UBATCH, cellsPerSequence * slots);
  const flash = input.flashAttention ?? true;
  const f32 = 4;
  const f16 = 2;
  const usedExperts = shape.experts ? Math.max(1, shape.experts.used) : 1;
  const ffnWidth = shape.feedForwardLength * usedExperts;

  const maskAt = (cells: number) => (f32 + (flash ? f16 : 0)) * ubatch * cells;
  const scoresAt = (cells: number) => (flash ? 0 : f32 * shape.headCount * ubatch * cells);
  const blockActivations = f32 * ubatch * (3 * ffnWidth + 2 * shape.embeddingLength);
  const blockPeakAt = (cells: number) => maskAt(cells) + Math.max(scoresAt(cells), blockActivations);
  const attentionMask = maskAt(cellsPerSequence);
  const attentionScores = scoresAt(cellsPerSequence);
  const blockPeak = blockPeakAt(cellsPerSequence);
  const cellsInUse = input.contextInUse === undefined ? cellsPerSequence : Math.min(cellsPerSequence, padContext(input.contextInUse));
  const logits = f32 * ubatch * (shape.vocabSize + shape.embeddingLength);
  const outputBuffer = f32 * shape.vocabSize * slots;
  const inputEmbedding = f32 * ubatch * shape.embeddingLength;
  return {
    total: Math.max(blockPeak, logits) + outputBuffer,
    workingSet: blockPeakAt(cellsInUse) + f32 * slots * shape.vocabSize + outputBuffer,
    blockPeakInUse: blockPeakAt(cellsInUse),
    attentionMask,
    attentionScores,
    blockActivations,
    blockPeak,
    logits,
    outputBuffer,
    inputEmbedding,
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
