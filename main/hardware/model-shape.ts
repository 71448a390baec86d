/**
 * The numbers about a model that the fit and speed estimates need, and
 * nothing else. main/models/gguf-metadata.ts fills it from a GGUF file (with
 * node-llama-cpp's own byte counts); tests write it by hand for 7B/70B/MoE
 * shapes. Kept here, not in models/, so hardware/ depends on no file format.
 */

export interface WeightLayout {
  /**
   * Token embedding and other input tensors. llama.cpp keeps these on the CPU
   * whatever the offload, and reads one row per token from them.
   */
  readonly inputBytes: number;
  /** Output norm and output projection: on the GPU as soon as one layer is offloaded. */
  readonly outputBytes: number;
  /** Bytes of each repeating block (`blk.N.*`), in order. Its length is the block count. */
  readonly layerBytes: readonly number[];
  /**
   * Of `layerBytes`, the part held in routed-expert tensors (`*_exps`), summed
   * over all layers. 0 for dense models. A token reads only `used / count` of it.
   */
  readonly expertBytes: number;
  /**
   * Tied embeddings: the output projection reuses the token embedding, which
   * `inputBytes` and `outputBytes` then both include. On the CPU alone it is
   * stored once; with the output layer on the GPU, llama.cpp keeps a copy there.
   */
  readonly sharedInputOutputBytes?: number;
  /**
   * Bytes of the 2-D matrix weights whose row count is a multiple of 8, by
   * ggml type name (`Q4_0`, `Q4_K`…): per block, and for the output
   * projection. llama.cpp's CPU backend may repack these (cpu-repack.ts).
   * Absent when unknown: then no repacked copy is counted.
   */
  readonly matrixBytesByType?: {
    readonly layers: ReadonlyArray<Readonly<Record<string, number>>>;
    readonly output: Readonly<Record<string, number>>;
  };
}

export interface ModelShape {
  /** Repeating blocks (GGUF `block_count`). llama.cpp counts `layers + 1` offloadable layers (the output layer). */
  readonly layers: number;
  readonly headCount: number;
  /** KV heads (GQA); per layer when the model varies it across layers. */
  readonly kvHeadCount: number | readonly number[];
  /** Key and value head dimensions (usually both embedding / heads). */
  readonly headDimK: number;
  readonly headDimV: number;
  readonly embeddingLength: number;
  /** FFN width (per expert for MoE models). */
  readonly feedForwardLength: number;
  readonly vocabSize: number;
  /** The context the model was trained with; null when the file does not say. */
  readonly trainedContext: number | null;
  readonly weights: WeightLayout;
  /** Mixture of experts: total routed experts and how many each token uses. */
  readonly experts: { readonly count: number; readonly used: number } | null;
}

/** Weights held once, as on the CPU alone. */
export function totalWeightBytes(weights: WeightLayout): number {
  const layers = weights.layerBytes.reduce((sum, bytes) => sum + bytes, 0);
  return weights.inputBytes + weights.outputBytes + layers - (weights.sharedInputOutputBytes ?? 0);
}

export function kvHeadsOfLayer(shape: ModelShape, layer: number): number {
  const heads = shape.kvHeadCount;
  if (typeof heads === 'number') return heads;
  return heads[layer] ?? heads[heads.length - 1] ?? shape.headCount;
}
