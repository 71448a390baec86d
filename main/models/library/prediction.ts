/**
 * Predicted memory and decode speed for one model setup, and how a
 * prediction lines up with what was measured for it.
 *
 * The GPU layer count of a prediction comes from, in order: the caller; the
 * latest measurement at the same context/slots/KV type (the runtime may run
 * the model on the CPU although a GPU would take it), so measured figures
 * are shown once they exist; the fit.
 */
import { GatewayError } from '../../gateway/errors.js';
import { memoryBreakdown, type FitDecision, type FitPolicy } from '../../hardware/fit.js';
import { placementBytes } from '../../hardware/memory-estimate.js';
import type { ModelShape } from '../../hardware/model-shape.js';
import { estimateDecodeSpeed } from '../../hardware/speed.js';
import type { MemoryBandwidth } from '../../hardware/types.js';
import type { CatalogModel } from '../catalog.js';
import type { MeasurementRecord, MeasurementSetup, PredictedFigures } from '../measured.js';
import type { PredictionView, RuntimePrediction } from './view-types.js';

export interface PredictionInput {
  readonly model: CatalogModel;
  /** The fit at the setup asked for: its context, slots and KV type are the prediction's. */
  readonly fit: FitDecision;
  /** The model's stored measurements, oldest first (empty to ignore them). */
  readonly history: readonly MeasurementRecord[];
  readonly bandwidth: MemoryBandwidth | null;
  /** GPU layers asked for; undefined lets a measurement or the fit decide. */
  readonly gpuLayers: number | undefined;
  readonly policy: FitPolicy;
}

export interface PredictionAt {
  readonly prediction: RuntimePrediction;
  readonly gpuLayersFrom: PredictionView['gpuLayersFrom'];
}

/** The prediction at the fit's context and slots; a 400 when more GPU layers are asked for than the model has. */
export function predictionAt(input: PredictionInput): PredictionAt {
  const { model, fit } = input;
  const base = { contextSize: fit.contextSize, slots: fit.slots, kvCacheType: fit.kvCacheType };
  const measured = newest(input.history, (entry) => sameContext(entry.setup, base) && hasFigures(entry));
  const from: PredictionView['gpuLayersFrom'] = input.gpuLayers !== undefined ? 'query' : measured ? 'measurement' : 'fit';
  const layers = input.gpuLayers ?? measured?.setup.gpuLayers ?? fit.gpuLayers;
  if (layers > fit.totalLayers) {
    throw new GatewayError({
      status: 400,
      code: 'invalid_value',
      param: 'gpuLayers',
      message: `gpuLayers is ${layers} but ${model.id} has ${fit.totalLayers} offloadable layers (blocks + output layer).`,
    });
  }
  const setup: MeasurementSetup = { ...base, gpuLayers: layers };
  const placement = { repackTypes: fit.cpuRepackTypes, flashAttention: fit.memory.flashAttention };
  return { prediction: { setup, predicted: predictFigures(model.metadata.shape, setup, input.bandwidth, input.policy, placement) }, gpuLayersFrom: from };
}

/** The latest measurement of exactly this setup that holds a figure. */
export function latestMeasurementOf(history: readonly MeasurementRecord[], setup: MeasurementSetup): MeasurementRecord | undefined {
  return newest(history, (entry) => sameSetup(entry.setup, setup) && hasFigures(entry));
}

/**
 * Memory (the whole runtime process, its own memory included, as fit.ts
 * breaks it down) and decode speed for one placement. `memoryBytes` is what
 * the process's RSS is compared with; the parts add up to memory + VRAM.
 */
function predictFigures(
  shape: ModelShape,
  setup: MeasurementSetup,
  bandwidth: MemoryBandwidth | null,
  policy: FitPolicy,
  placement: { readonly repackTypes: readonly string[]; readonly flashAttention: boolean },
): PredictedFigures {
  const bytes = placementBytes({ shape, ...setup, ubatch: policy.ubatch, ...placement });
  const memory = memoryBreakdown(bytes, { runtimeBytes: policy.runtimeOverheadBytes, flashAttention: placement.flashAttention });
  const speed = bandwidth
    ? estimateDecodeSpeed({ model: shape, gpuLayers: setup.gpuLayers, bandwidth, kvCacheType: setup.kvCacheType }).tokensPerSecond
    : null;
  return {
    memoryBytes: memory.ramBytes,
    ...(setup.gpuLayers > 0 ? { vramBytes: memory.vramBytes } : {}),
    tokensPerSecond: speed,
    parts: {
      weightsBytes: memory.weightsBytes,
      kvCacheBytes: memory.kvCacheBytes,
      computeBytes: memory.computeBytes,
      overheadBytes: memory.overheadBytes,
    },
  };
}

/** Same context, slots and KV cache type (GPU layers aside). */
function sameContext(a: Omit<MeasurementSetup, 'gpuLayers'>, b: Omit<MeasurementSetup, 'gpuLayers'>): boolean {
  return a.contextSize === b.contextSize && a.slots === b.slots && a.kvCacheType === b.kvCacheType;
}

function sameSetup(a: MeasurementSetup, b: MeasurementSetup): boolean {
  return sameContext(a, b) && a.gpuLayers === b.gpuLayers;
}

function hasFigures(record: MeasurementRecord): boolean {
  return record.measured.memoryBytes !== undefined || record.measured.tokensPerSecond !== undefined;
}

function newest(records: readonly MeasurementRecord[], match: (record: MeasurementRecord) => boolean): MeasurementRecord | undefined {
  for (let index = records.length - 1; index >= 0; index -= 1) {
    const record = records[index]!;
    if (match(record)) return record;
  }
  return undefined;
}
