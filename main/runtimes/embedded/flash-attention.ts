/**
 * Whether the worker's context uses flash attention (it runs llama.cpp on the
 * CPU only).
 *
 * node-llama-cpp's default is "auto", which on the CPU means on. llama.cpp's
 * CPU flash-attention kernel pays a fixed cost for every cached token of every
 * head, so with tiny heads that cost dominates and grows with the context.
 * Measured here (1 thread, llama.cpp built from node-llama-cpp 3.21.1's
 * source): stories260K (8-dim heads) generated 128 tokens at 8100 tok/s
 * without it and 5850 with it, 4 sequences at 9460 vs 6040 tok/s; through
 * node-llama-cpp a decode took 0.3 ms without it and 0.6-0.7 ms with it by
 * the 250th token. bench-124m (64-dim heads) was faster with it: 304 vs 294
 * tok/s, 4 sequences 569 vs 469.
 * So: off below 64-dim heads, node-llama-cpp's default otherwise.
 */
import type { LlamaModel } from 'node-llama-cpp';

/** Smallest head size at which flash attention was measured to pay off on the CPU. */
export const MIN_FLASH_ATTENTION_HEAD_SIZE = 64;

export interface FlashAttentionDecision {
  readonly flashAttention: boolean | 'auto';
  readonly reason: string;
}

export interface AttentionShape {
  /** `<arch>.attention.key_length` from the GGUF, when present. */
  readonly keyLength?: unknown;
  /** `<arch>.embedding_length`. */
  readonly embeddingLength?: unknown;
  /** `<arch>.attention.head_count` (an array for models whose layers differ). */
  readonly headCount?: unknown;
}

/** The attention shape a loaded model's GGUF metadata gives. */
export function attentionShapeOf(model: Pick<LlamaModel, 'fileInfo'>): AttentionShape {
  const architecture = model.fileInfo.architectureMetadata;
  return {
    keyLength: architecture.attention?.key_length,
    embeddingLength: architecture.embedding_length,
    headCount: architecture.attention?.head_count,
  };
}

/** The size of one attention head, or undefined when the metadata does not say. */
export function headSizeOf(shape: AttentionShape): number | undefined {
  if (isPositiveInteger(shape.keyLength)) return shape.keyLength;
  if (isPositiveInteger(shape.embeddingLength) && isPositiveInteger(shape.headCount)) {
    return shape.embeddingLength / shape.headCount;
  }
  return undefined;
}

export function chooseFlashAttention(shape: AttentionShape): FlashAttentionDecision {
  const headSize = headSizeOf(shape);
  if (headSize === undefined) {
    return { flashAttention: 'auto', reason: "flash attention auto (node-llama-cpp's default): the head size is unknown" };
  }
  if (headSize < MIN_FLASH_ATTENTION_HEAD_SIZE) {
    return {
      flashAttention: false,
      reason: `flash attention off: ${headSize}-dim heads are below ${MIN_FLASH_ATTENTION_HEAD_SIZE}, where llama.cpp's CPU kernel is slower`,
    };
  }
  return { flashAttention: 'auto', reason: `flash attention auto (node-llama-cpp's default): ${headSize}-dim heads` };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
