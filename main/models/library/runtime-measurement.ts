/**
 * Measuring a running runtime: its process RSS and the decode speed it
 * served at, stored next to what was predicted for its setup.
 */
import { readProcessRssBytes } from '../measure-runtime.js';
import type { MeasurementRecord, MeasurementStore } from '../measured.js';
import type { RuntimePrediction } from './view-types.js';

export interface RuntimeMeasurementInput {
  readonly modelId: string;
  /** The runtime process serving the model (one model per process). */
  readonly pid: number;
  /** Decode speed seen while it served requests (e.g. the metrics' p50); omitted or null when unknown. */
  readonly decodeTokPerSec?: number | null;
  /** What was predicted for the setup it runs (LibraryService.predictionFor). */
  readonly prediction: RuntimePrediction;
  readonly note?: string;
}

/**
 * Read the runtime's RSS and store it, with the decode speed, next to the
 * prediction. Returns null when there was nothing to record (no RSS on this
 * OS and no speed). RSS is the whole process, so the prediction's memory
 * includes the runtime overhead (see RuntimePrediction).
 */
export async function recordRuntimeMeasurement(
  input: RuntimeMeasurementInput & { readonly store: MeasurementStore; readonly readRss?: (pid: number) => Promise<number | null> },
): Promise<MeasurementRecord | null> {
  const rss = await (input.readRss ?? readProcessRssBytes)(input.pid);
  const speed = input.decodeTokPerSec ?? null;
  const measured = {
    ...(rss !== null ? { memoryBytes: rss } : {}),
    ...(speed !== null && speed > 0 ? { tokensPerSecond: speed } : {}),
  };
  if (Object.keys(measured).length === 0) return null;
  return input.store.record({
    modelId: input.modelId,
    setup: input.prediction.setup,
    predicted: input.prediction.predicted,
    measured,
    note: input.note ?? 'runtime process RSS (whole process) and decode speed while serving',
  });
}
