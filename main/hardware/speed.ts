/**
 * How fast will it decode? Generating one token reads every weight the token
 * touches once, plus the KV cache so far, so decode speed is bounded by
 * memory bandwidth:
 *
 *   tok/s ≈ η × bandwidth ÷ bytes read per token
 *
 * With a partial offload the GPU and CPU parts run one after the other, so
 * their times per token add up. η (the share of peak bandwidth actually
 * achieved) is a range, so the answer is a range too. design.md explains the
 * η values and what the model leaves out (prompt processing, tiny models).
 */
import { bandwidthAt } from './bandwidth-curve.js';
import { firstGpuLayer, kvBytesPerToken, type KvCacheType } from './memory-estimate.js';
import type { ModelShape } from './model-shape.js';
import type { MemoryBandwidth } from './types.js';

export interface EfficiencyRange {
  readonly low: number;
  readonly high: number;
}

/** One consumer GPU (CUDA, ROCm, Metal): llama.cpp decode reaches 60–80 % of the spec bandwidth. */
export const GPU_EFFICIENCY: EfficiencyRange = { low: 0.6, high: 0.8 };
/**
 * CPU, relative to the measured single-thread read bandwidth at the model's
 * per-token working set (bandwidth.ts), or the spec figure on Apple chips:
 * 30–50 %. Calibrated on this machine's EPYC (design.md, speed): bench-124m
 * (56 MB read per token) decoded at 11.4–19.5 GB/s effective on one thread
 * against ≈ 40 GB/s read at that size. Quantised dot products cost compute
 * as well as bandwidth, so one thread reaches well under the read figure.
 */
export const CPU_EFFICIENCY: EfficiencyRange = { low: 0.3, high: 0.5 };

export interface SpeedRequest {
  readonly model: ModelShape;
  /** Offloaded layers (0 … layers + 1), as the fit decided. */
  readonly gpuLayers: number;
  readonly bandwidth: MemoryBandwidth;
  /** Tokens already in the KV cache that each new token attends to. Default 0 (start of a chat). */
  readonly kvTokens?: number;
  readonly kvCacheType?: KvCacheType;
  readonly gpuEfficiency?: EfficiencyRange;
  readonly cpuEfficiency?: EfficiencyRange;
}

export interface SpeedEstimate {
  /** Decode tokens per second, or null when a bandwidth figure is missing. */
  readonly tokensPerSecond: { readonly low: number; readonly high: number } | null;
  /** Bytes read per generated token on each side. */
  readonly bytesPerToken: { readonly gpu: number; readonly cpu: number };
  readonly reason: string;
}

/** Decode speed range for a placement. */
export function estimateDecodeSpeed(request: SpeedRequest): SpeedEstimate {
  const { model, bandwidth } = request;
  const bytes = bytesReadPerToken(model, request.gpuLayers, request.kvTokens ?? 0, request.kvCacheType ?? 'f16');
  const gpuEta = request.gpuEfficiency ?? GPU_EFFICIENCY;
  const cpuEta = request.cpuEfficiency ?? CPU_EFFICIENCY;

  if (bytes.gpu > 0 && bandwidth.gpuGBps === null) {
    const why = bandwidth.gpuSource?.detail ?? 'No memory-bandwidth figure for this GPU';
    return { tokensPerSecond: null, bytesPerToken: bytes, reason: `${capitalise(why)}, so no speed estimate.` };
  }
  const gpuBytesPerSecond = (bandwidth.gpuGBps ?? 0) * 1e9;
  // The measured curve at this model's per-token reads: a working set that fits partly in the CPU's caches reads faster.
  const cpuGBps = cpuBandwidthFor(bandwidth, bytes.cpu);
  const cpuBytesPerSecond = cpuGBps * 1e9;
  const secondsPerToken = (pick: 'low' | 'high') =>
    (bytes.gpu > 0 ? bytes.gpu / (gpuEta[pick] * gpuBytesPerSecond) : 0) +
    (bytes.cpu > 0 ? bytes.cpu / (cpuEta[pick] * cpuBytesPerSecond) : 0);
  const slow = secondsPerToken('low');
  const fast = secondsPerToken('high');
  if (!(slow > 0) || !Number.isFinite(slow) || bandwidth.cpuGBps <= 0) {
    return { tokensPerSecond: null, bytesPerToken: bytes, reason: 'Bandwidth unknown, so no speed estimate.' };
  }
  const tokensPerSecond = { low: roundSpeed(1 / slow), high: roundSpeed(1 / fast) };
  return { tokensPerSecond, bytesPerToken: bytes, reason: explain(bytes, { ...bandwidth, cpuGBps }, gpuEta, cpuEta, tokensPerSecond, model) };
}

/** The CPU read bandwidth for a per-token working set of `bytes`: the measured curve there, else the single figure. */
export function cpuBandwidthFor(bandwidth: MemoryBandwidth, bytes: number): number {
  const atSize = bandwidthAt(bandwidth.cpuCurve, bytes);
  return atSize === undefined ? bandwidth.cpuGBps : Math.round(atSize * 10) / 10;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Bytes one decoded token reads: the weights of every layer it passes
 * (for MoE only the used experts' share of the expert tensors), the output
 * projection, and the KV cache so far. The token-embedding table is not
 * counted: one row of it is read per token.
 */
export function bytesReadPerToken(model: ModelShape, gpuLayers: number, kvTokens: number, kvCacheType: KvCacheType): { gpu: number; cpu: number } {
  const start = firstGpuLayer(model, gpuLayers);
  const inactiveExpertShare = model.experts && model.experts.count > 0 ? 1 - model.experts.used / model.experts.count : 0;
  const expertBytesPerLayer = model.layers > 0 ? model.weights.expertBytes / model.layers : 0;
  let gpu = 0;
  let cpu = 0;
  model.weights.layerBytes.forEach((layerBytes, layer) => {
    const read = layerBytes - expertBytesPerLayer * inactiveExpertShare;
    if (gpuLayers > 0 && layer >= start) gpu += read;
    else cpu += read;
  });
  if (gpuLayers > 0) gpu += model.weights.outputBytes;
  else cpu += model.weights.outputBytes;
  const gpuFrom = gpuLayers > 0 ? Math.min(start, model.layers) : model.layers;
  cpu += kvBytesPerToken(model, kvCacheType, 0, gpuFrom) * kvTokens;
  gpu += kvBytesPerToken(model, kvCacheType, gpuFrom, model.layers) * kvTokens;
  return { gpu, cpu };
}

function roundSpeed(value: number): number {
  if (value >= 100) return Math.round(value);
  return Math.round(value * 10) / 10;
}

function explain(
  bytes: { gpu: number; cpu: number },
  bandwidth: MemoryBandwidth,
  gpuEta: EfficiencyRange,
  cpuEta: EfficiencyRange,
  speed: { low: number; high: number },
  model: ModelShape,
): string {
  const mb = (value: number) => `${(value / 1e6).toFixed(value >= 1e8 ? 0 : 1)} MB`;
  const sides: string[] = [];
  if (bytes.gpu > 0) {
    const kind = bandwidth.gpuSource?.kind === 'assumed' ? 'bandwidth unknown: estimated' : (bandwidth.gpuSource?.kind ?? 'unknown');
    sides.push(`${mb(bytes.gpu)} on the GPU at ${bandwidth.gpuGBps} GB/s (${kind}) × η ${gpuEta.low}–${gpuEta.high}`);
  }
  if (bytes.cpu > 0) {
    const atSize = bandwidth.cpuCurve?.length ? `, read at a ${mb(bytes.cpu)} working set` : '';
    sides.push(`${mb(bytes.cpu)} from RAM at ${bandwidth.cpuGBps} GB/s (${bandwidth.cpuSource.kind}${atSize}) × η ${cpuEta.low}–${cpuEta.high}`);
  }
  const moe = model.experts ? ` (MoE: ${model.experts.used} of ${model.experts.count} experts read per token)` : '';
  return `≈ ${speed.low}–${speed.high} tok/s decode: ${sides.join(' plus ')} per token${moe}.`;
}
