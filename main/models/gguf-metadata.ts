/**
 * What a GGUF file says about its model, read with node-llama-cpp's
 * `readGgufFileInfo` (only the header is read, not the weights) and
 * `GgufInsights`. No GGUF parsing happens here.
 *
 * Byte counts come from node-llama-cpp too: `GgufInsights.modelSize` for the
 * weights, and `estimateModelResourceRequirements({ gpuLayers })` (its model
 * of llama.cpp's tensor placement) for the split into input, output and
 * per-block bytes that the fit needs. The only sizes worked out here are the
 * routed-expert tensors of MoE models, from the distance between tensor
 * offsets in the file (see expertTensorBytes).
 *
 * node-llama-cpp is loaded on the first read, not when this module is
 * imported: it costs the engine ~50 MB of RSS and ~0.5 s, and the engine
 * needs it only once someone asks for the library. Only type imports of it
 * may appear at the top of this file.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type * as NodeLlamaCpp from 'node-llama-cpp';
import type { GgufFileInfo, GgufInsights, GgufTensorInfo } from 'node-llama-cpp';
import type { ModelShape, WeightLayout } from '../hardware/model-shape.js';
import { quantFromFileName } from './quant-name.js';

type NodeLlamaCppModule = typeof NodeLlamaCpp;

let nodeLlamaCppLoading: Promise<NodeLlamaCppModule> | undefined;

/** node-llama-cpp, imported once on first use (a failed import is tried again next time). */
function loadNodeLlamaCpp(): Promise<NodeLlamaCppModule> {
  nodeLlamaCppLoading ??= import('node-llama-cpp').catch((error: unknown) => {
    nodeLlamaCppLoading = undefined;
    throw error;
  });
  return nodeLlamaCppLoading;
}

export interface ModelMetadata {
  /** GGUF `general.architecture`, e.g. `llama`, `qwen2`, `gemma3`. */
  readonly architecture: string;
  /** GGUF `general.name`, when present. */
  readonly name: string | null;
  /** Total parameters, from node-llama-cpp (the element count of every tensor). */
  readonly parameterCount: number;
  readonly layers: number;
  readonly headCount: number;
  readonly kvHeadCount: number | readonly number[];
  readonly embeddingLength: number;
  readonly headDim: number;
  readonly trainedContext: number | null;
  /** Quantisation, e.g. `Q4_K_M`, `Q4_0`, `F16`: GGUF `general.file_type`, else the file name, else the dominant tensor type. */
  readonly fileType: string | null;
  /** On disk, all parts together. */
  readonly fileSizeBytes: number;
  /** Weights in memory as llama.cpp lays them out (node-llama-cpp's `modelSize`). */
  readonly weightsBytes: number;
  readonly parts: number;
  readonly hasChatTemplate: boolean;
  /** Mixture of experts: routed experts and how many each token uses. */
  readonly experts: { readonly count: number; readonly used: number } | null;
  /** What the fit and speed estimates read. */
  readonly shape: ModelShape;
}

export interface ReadMetadataOptions {
  /** Give up reading the header after this long. Default 30 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A GGUF file that cannot be used, with a reason a person can act on. */
export class GgufReadError extends Error {
  override readonly name = 'GgufReadError';
}

/** Tokenizer arrays are large (128k strings for Llama 3) and not needed here. */
const IGNORED_KEYS = ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges'];

/**
 * Read a model's metadata. `paths` is one file, or every part of a split
 * GGUF in order (node-llama-cpp splices the parts from the first one).
 * Throws GgufReadError for files that are not GGUF, truncated, or unreadable.
 */
export async function readModelMetadata(paths: string | readonly string[], options: ReadMetadataOptions = {}): Promise<ModelMetadata> {
  const parts = typeof paths === 'string' ? [paths] : paths;
  const first = parts[0];
  if (first === undefined) throw new GgufReadError('No file given.');
  // Outside the try blocks below: a broken node-llama-cpp install is Homeport's problem, not the file's.
  const nodeLlamaCpp = await loadNodeLlamaCpp();
  let partSizes: number[];
  try {
    partSizes = await Promise.all(parts.map(async (part) => (await stat(part)).size));
  } catch (error) {
    throw new GgufReadError(describeReadError(error));
  }

  const signals = [AbortSignal.timeout(options.timeoutMs ?? 30_000), ...(options.signal ? [options.signal] : [])];
  let info: GgufFileInfo;
  try {
    info = await nodeLlamaCpp.readGgufFileInfo(first, {
      sourceType: 'filesystem',
      logWarnings: false,
      ignoreKeys: IGNORED_KEYS,
      spliceSplitFiles: parts.length > 1,
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    throw new GgufReadError(describeReadError(error));
  }
  if (!info.metadata?.general?.architecture) {
    throw new GgufReadError('Not a usable GGUF file: the header has no general.architecture (truncated or damaged).');
  }
  // `split.count` (llama.cpp's gguf-split) is not in node-llama-cpp's metadata type, but is parsed like any key.
  const declaredParts = (info.metadata as { split?: { count?: unknown } }).split?.count;
  if (parts.length > 1 && declaredParts !== parts.length) {
    throw new GgufReadError(
      `Named as a split GGUF of ${parts.length} parts, but the header ${declaredParts ? `says ${declaredParts}` : 'has no split information'}.`,
    );
  }
  if (info.splicedParts !== parts.length) {
    throw new GgufReadError(`Split GGUF: found ${parts.length} part(s) but the header describes ${info.splicedParts}.`);
  }

  const insights = await nodeLlamaCpp.GgufInsights.from(info);
  checkNotTruncated(info, insights.modelSize, partSizes);
  return toMetadata({ info, insights, partSizes, fileName: basename(first), typeNames: nodeLlamaCpp });
}

/** node-llama-cpp's enums that name quantisation types. */
type TypeNames = Pick<NodeLlamaCppModule, 'GgmlType' | 'GgufFileType'>;

interface ToMetadataInput {
  readonly info: GgufFileInfo;
  readonly insights: GgufInsights;
  readonly partSizes: readonly number[];
  readonly fileName: string;
  readonly typeNames: TypeNames;
}

function toMetadata({ info, insights, partSizes, fileName, typeNames }: ToMetadataInput): ModelMetadata {
  const arch = info.architectureMetadata;
  const tensors = info.fullTensorInfo ?? [];
  const layers = arch.block_count ?? countBlocks(tensors);
  const headCount = firstNumber(arch.attention?.head_count) ?? 0;
  const kvHeadCount = perLayerOrNumber(arch.attention?.head_count_kv) ?? headCount;
  const embeddingLength = arch.embedding_length ?? 0;
  const headDimK = arch.attention?.key_length ?? (headCount ? embeddingLength / headCount : 0);
  const headDimV = arch.attention?.value_length ?? headDimK;
  const expertCount = arch.expert_count ?? 0;
  const experts = expertCount > 0 ? { count: expertCount, used: arch.expert_used_count ?? 1 } : null;
  const feedForward =
    (experts ? numberField(arch, 'expert_feed_forward_length') : undefined) ?? firstNumber(arch.feed_forward_length) ?? 4 * embeddingLength;
  const chatTemplate = info.metadata.tokenizer?.chat_template;

  const weights = { ...weightLayout(info, insights, layers, partSizes), matrixBytesByType: matrixBytesByType(info, partSizes, layers, typeNames.GgmlType) };
  const shape: ModelShape = {
    layers,
    headCount,
    kvHeadCount,
    headDimK,
    headDimV,
    embeddingLength,
    feedForwardLength: feedForward,
    vocabSize: arch.vocab_size ?? vocabFromTensors(tensors) ?? 0,
    trainedContext: insights.trainContextSize ?? null,
    weights,
    experts,
  };
  return {
    architecture: String(info.metadata.general.architecture),
    name: info.metadata.general.name ?? null,
    parameterCount: insights.totalParameters,
    layers,
    headCount,
    kvHeadCount,
    embeddingLength,
    headDim: headDimK,
    trainedContext: shape.trainedContext,
    fileType: fileTypeName(info, insights, fileName, typeNames),
    fileSizeBytes: partSizes.reduce((sum, size) => sum + size, 0),
    weightsBytes: insights.modelSize,
    parts: partSizes.length,
    hasChatTemplate: typeof chatTemplate === 'string' && chatTemplate.trim().length > 0,
    experts,
    shape,
  };
}

/**
 * Split the weights the way llama.cpp places them, using node-llama-cpp's
 * estimate for each offload count: with n GPU layers the GPU gets the output
 * layer (n ≥ 1) and the last n − 1 blocks. Differences between consecutive n
 * give the output bytes and each block's bytes; what stays on the CPU at
 * full offload is the input (token embedding). `useMmap: false` asks for
 * plain tensor sums rather than the mmap'd file span.
 */
function weightLayout(info: GgufFileInfo, insights: GgufInsights, layers: number, partSizes: readonly number[]): WeightLayout {
  const gpuBytes = (gpuLayers: number) => insights.estimateModelResourceRequirements({ gpuLayers, useMmap: false }).gpuVram;
  const total = insights.modelSize;
  const inputBytes = insights.estimateModelResourceRequirements({ gpuLayers: layers + 1, useMmap: false }).cpuRam;
  const outputBytes = gpuBytes(1);
  const layerBytes = new Array<number>(layers).fill(0);
  let previous = outputBytes;
  for (let gpuLayers = 2; gpuLayers <= layers; gpuLayers += 1) {
    const current = gpuBytes(gpuLayers);
    layerBytes[layers - gpuLayers + 1] = current - previous;
    previous = current;
  }
  // Block 0 by subtraction: node-llama-cpp adds a tied embedding to the GPU at full offload only.
  if (layers > 0) layerBytes[0] = Math.max(0, total - inputBytes - previous);
  const tied = !(info.fullTensorInfo ?? []).some((tensor) => tensor.name === 'output.weight');
  const tiedEmbedding = tied ? tensorBytesByName(info, partSizes).get('token_embd.weight') ?? 0 : 0;
  return {
    inputBytes,
    // A tied output projection reads the token embedding; llama.cpp copies it to the output device.
    outputBytes: outputBytes + tiedEmbedding,
    layerBytes,
    expertBytes: expertTensorBytes(info, partSizes),
    sharedInputOutputBytes: tiedEmbedding,
  };
}

/**
 * Bytes of the matrix weights llama.cpp's CPU backend may repack (hardware/cpu-repack.ts): 2-D
 * (or 3-D expert) `blk.N.*` tensors and `output.weight` whose row count is a multiple of 8, by type.
 */
function matrixBytesByType(info: GgufFileInfo, partSizes: readonly number[], layers: number, GgmlType: TypeNames['GgmlType']): NonNullable<WeightLayout['matrixBytesByType']> {
  const perLayer: Record<string, number>[] = Array.from({ length: layers }, () => ({}));
  const output: Record<string, number> = {};
  const sizes = tensorBytesByName(info, partSizes);
  for (const tensor of info.fullTensorInfo ?? []) {
    const dims = tensor.dimensions.map(Number);
    if (dims.length < 2 || dims.length > 3 || (dims[1] ?? 0) % 8 !== 0) continue;
    const block = /^blk\.(\d+)\./.exec(tensor.name);
    const target = block ? perLayer[Number(block[1])] : tensor.name === 'output.weight' ? output : undefined;
    if (!target) continue;
    const type = GgmlType[tensor.ggmlType] ?? `type${tensor.ggmlType}`;
    target[type] = (target[type] ?? 0) + (sizes.get(tensor.name) ?? 0);
  }
  return { layers: perLayer, output };
}

/** Bytes of the routed-expert tensors (`blk.N.ffn_*_exps`), from the gaps between tensor offsets. */
function expertTensorBytes(info: GgufFileInfo, partSizes: readonly number[]): number {
  let sum = 0;
  for (const [name, bytes] of tensorBytesByName(info, partSizes)) if (/_exps(\.|$)/.test(name)) sum += bytes;
  return sum;
}

/**
 * Each tensor's bytes as the space it takes in its file: the distance to the
 * next tensor's offset (the last one: to the end of the file). Includes the
 * alignment padding, at most 31 bytes per tensor.
 */
function tensorBytesByName(info: GgufFileInfo, partSizes: readonly number[]): Map<string, number> {
  const byPart = new Map<number, GgufTensorInfo[]>();
  for (const tensor of info.fullTensorInfo ?? []) {
    const list = byPart.get(tensor.filePart) ?? [];
    list.push(tensor);
    byPart.set(tensor.filePart, list);
  }
  const sizes = new Map<string, number>();
  for (const [part, list] of byPart) {
    list.sort((a, b) => Number(a.offset) - Number(b.offset));
    const dataStart = Number(list[0]!.fileOffset) - Number(list[0]!.offset);
    const dataEnd = (partSizes[part - 1] ?? 0) - dataStart;
    list.forEach((tensor, index) => {
      const next = list[index + 1];
      const end = next ? Number(next.offset) : dataEnd;
      sizes.set(tensor.name, Math.max(0, end - Number(tensor.offset)));
    });
  }
  return sizes;
}

/** The data section must hold every tensor; a download cut short does not. */
function checkNotTruncated(info: GgufFileInfo, weightsBytes: number, partSizes: readonly number[]): void {
  const tensors = info.fullTensorInfo ?? [];
  if (tensors.length === 0) throw new GgufReadError('The GGUF header lists no tensors.');
  let dataBytes = 0;
  for (let part = 1; part <= partSizes.length; part += 1) {
    const inPart = tensors.filter((tensor) => tensor.filePart === part);
    if (inPart.length === 0) continue;
    const dataStart = Number(inPart[0]!.fileOffset) - Number(inPart[0]!.offset);
    const size = partSizes[part - 1] ?? 0;
    const lastStart = Math.max(...inPart.map((tensor) => Number(tensor.fileOffset)));
    if (lastStart >= size) throw truncated(part, partSizes.length, size, lastStart);
    dataBytes += size - dataStart;
  }
  if (dataBytes < weightsBytes) {
    throw new GgufReadError(
      `Truncated: the tensor data needs ${weightsBytes} bytes but the file${partSizes.length > 1 ? 's hold' : ' holds'} only ${dataBytes} (an interrupted download?).`,
    );
  }
}

function truncated(part: number, parts: number, size: number, needed: number): GgufReadError {
  const which = parts > 1 ? `part ${part} of ${parts}` : 'the file';
  return new GgufReadError(`Truncated: ${which} is ${size} bytes but its tensors start as far as byte ${needed} (an interrupted download?).`);
}

function describeReadError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (name === 'InvalidGgufMagicError' || /Invalid GGUF magic/i.test(message)) return 'Not a GGUF file: it does not start with the GGUF magic bytes.';
  if (name === 'AbortError' || name === 'TimeoutError') return 'Reading the GGUF header took too long and was stopped.';
  if (/EACCES|EPERM/.test(message)) return 'Cannot read the file: permission denied.';
  if (/ENOENT/.test(message)) return 'The file is gone (deleted, or a broken link).';
  if (/out of range|offset|RangeError|beyond|end of/i.test(`${name} ${message}`)) return `Truncated or damaged GGUF header (${message}).`;
  return `Could not read the GGUF header: ${message}`;
}

function fileTypeName(info: GgufFileInfo, insights: GgufInsights, fileName: string, { GgmlType, GgufFileType }: TypeNames): string | null {
  const fileType = info.metadata.general.file_type;
  if (typeof fileType === 'number' && GgufFileType[fileType]) return GgufFileType[fileType].replace(/^(MOSTLY_|ALL_)/, '');
  const fromName = quantFromFileName(fileName);
  if (fromName) return fromName;
  const dominant = insights.dominantTensorType;
  return dominant === undefined ? null : (GgmlType[dominant] ?? null);
}

function countBlocks(tensors: readonly GgufTensorInfo[]): number {
  const blocks = new Set<number>();
  for (const tensor of tensors) {
    const match = /^blk\.(\d+)\./.exec(tensor.name);
    if (match) blocks.add(Number(match[1]));
  }
  return blocks.size;
}

function vocabFromTensors(tensors: readonly GgufTensorInfo[]): number | undefined {
  const embedding = tensors.find((tensor) => tensor.name === 'token_embd.weight');
  const rows = embedding?.dimensions[1];
  return rows === undefined ? undefined : Number(rows);
}

/** Some models give per-layer values as arrays; a constant array collapses to its number. */
function perLayerOrNumber(value: unknown): number | readonly number[] | undefined {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'number')) {
    const numbers = value as number[];
    return numbers.every((item) => item === numbers[0]) ? numbers[0] : numbers;
  }
  return undefined;
}

function firstNumber(value: unknown): number | undefined {
  const read = perLayerOrNumber(value);
  if (read === undefined) return undefined;
  return typeof read === 'number' ? read : Math.max(...read);
}

function numberField(record: object, key: string): number | undefined {
  const value = (record as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : undefined;
}
