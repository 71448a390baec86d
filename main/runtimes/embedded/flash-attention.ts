/**
 * Whether the worker's context uses flash attention (it runs llama.cpp on the
 * CPU only).
 *
 * node-llama-cpp's default is "auto", which on the CPU means on. llama.cpp's
 * CPU flash-attention kernel pays a fixed cost for every cached token of every
 * head, so with tiny heads that cost dominates and grows with the context.
 * Measured here (1 thread, node-llama-cpp 3.21.1): stories260K (8-dim heads)
 * decoded at 0.29 ms/token without it and 0.58 ms/token with it by the 100th
 * token, 2.8 ms by the 900th; with 4 sequences in one batch it was twice as
 * slow at 300 tokens. bench-124m (64-dim heads) was about 8 % faster with it.
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
