/**
 * Prediction versus measurement. When a model has really run, its memory
 * (process RSS growth, or VRAM used) and decode speed are recorded next to
 * what fit.ts / speed.ts predicted, with the error in percent. The UI then
 * shows measured figures where they exist and predictions elsewhere.
 *
 * One JSON file, rewritten atomically (temp file + rename) on every record,
 * so a crash mid-write leaves the previous version intact.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { KV_CACHE_TYPES } from '../hardware/memory-estimate.js';

const setupSchema = z.object({
  contextSize: z.number().int().positive(),
  slots: z.number().int().positive(),
  kvCacheType: z.enum(KV_CACHE_TYPES),
  gpuLayers: z.number().int().nonnegative(),
});
const rangeSchema = z.object({ low: z.number(), high: z.number() });
/** The prediction's four parts (fit.ts MemoryBreakdown): they add up to memoryBytes + vramBytes. */
const partsSchema = z.object({
  weightsBytes: z.number().nonnegative(),
  kvCacheBytes: z.number().nonnegative(),
  computeBytes: z.number().nonnegative(),
  overheadBytes: z.number().nonnegative(),
});
const predictedSchema = z.object({
  memoryBytes: z.number().nonnegative(),
  vramBytes: z.number().nonnegative().optional(),
  tokensPerSecond: rangeSchema.nullable(),
  parts: partsSchema.optional(),
});
const measuredSchema = z.object({
  memoryBytes: z.number().nonnegative().optional(),
  vramBytes: z.number().nonnegative().optional(),
  tokensPerSecond: z.number().positive().optional(),
});
const recordSchema = z.object({
  modelId: z.string().min(1),
  at: z.number(),
  setup: setupSchema,
  predicted: predictedSchema,
  measured: measuredSchema,
  errorPct: z.object({ memory: z.number().nullable(), vram: z.number().nullable(), tokensPerSecond: z.number().nullable() }),
  speedWithinRange: z.boolean().nullable(),
  note: z.string().optional(),
});
const fileSchema = z.object({ version: z.literal(1), records: z.array(recordSchema) });

export type MeasurementSetup = z.infer<typeof setupSchema>;
export type PredictedFigures = z.infer<typeof predictedSchema>;
export type MeasuredFigures = z.infer<typeof measuredSchema>;
export type MeasurementRecord = z.infer<typeof recordSchema>;

export interface RecordInput {
  readonly modelId: string;
  readonly setup: MeasurementSetup;
  readonly predicted: PredictedFigures;
  readonly measured: MeasuredFigures;
  /** Free text: the runtime, the prompt, anything that explains the numbers. */
  readonly note?: string;
}

/** Figures the UI shows for one model and setup, each saying where it came from. */
export interface FiguresToShow {
  readonly memory: { readonly bytes: number; readonly source: 'measured' | 'predicted'; readonly errorPct: number | null };
  readonly vram: { readonly bytes: number; readonly source: 'measured' | 'predicted' } | null;
  readonly tokensPerSecond:
    | { readonly source: 'measured'; readonly value: number; readonly errorPct: number | null }
    | { readonly source: 'predicted'; readonly low: number; readonly high: number }
    | null;
}

/** Keep the file small: the most recent records only. */
const MAX_RECORDS = 500;

/** (predicted − measured) / measured, in percent with one decimal; null when either is missing. */
export function errorPercent(predicted: number | undefined, measured: number | undefined): number | null {
  if (predicted === undefined || measured === undefined || measured === 0) return null;
  return Math.round(((predicted - measured) / measured) * 1000) / 10;
}

/** Compare a prediction with a measurement. For a speed range the error is taken from its midpoint. */
export function comparePrediction(predicted: PredictedFigures, measured: MeasuredFigures): Pick<MeasurementRecord, 'errorPct' | 'speedWithinRange'> {
  const range = predicted.tokensPerSecond;
  const speed = measured.tokensPerSecond;
  return {
    errorPct: {
      memory: errorPercent(predicted.memoryBytes, measured.memoryBytes),
      vram: errorPercent(predicted.vramBytes, measured.vramBytes),
      tokensPerSecond: range ? errorPercent((range.low + range.high) / 2, speed) : null,
    },
    speedWithinRange: range && speed !== undefined ? speed >= range.low && speed <= range.high : null,
  };
}

export interface MeasurementStoreOptions {
  /** The JSON file, e.g. `<dataDir>/state/measurements.json`. */
  readonly file: string;
  readonly now?: () => number;
}

export class MeasurementStore {
  private records: MeasurementRecord[] | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  /** Why the file could not be read at load (it is then rewritten on the next record). */
  loadError: string | null = null;

  constructor(private readonly options: MeasurementStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Add a measurement with its prediction and errors, and persist it. */
  async record(input: RecordInput): Promise<MeasurementRecord> {
    const records = await this.load();
    const entry = recordSchema.parse({
      modelId: input.modelId,
      at: this.now(),
      setup: input.setup,
      predicted: input.predicted,
      measured: input.measured,
      ...comparePrediction(input.predicted, input.measured),
      ...(input.note ? { note: input.note } : {}),
    });
    records.push(entry);
    if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS);
    await this.persist();
    return entry;
  }

  /** Records, oldest first; for one model when `modelId` is given. */
  async list(modelId?: string): Promise<readonly MeasurementRecord[]> {
    const records = await this.load();
    return modelId === undefined ? [...records] : records.filter((record) => record.modelId === modelId);
  }

  /**
   * What to show for a model in a setup: the latest measurement of the same
   * setup wins; speed also accepts a measurement with the same GPU layers at
   * another context. Otherwise the prediction.
   */
  async figuresToShow(modelId: string, setup: MeasurementSetup, prediction: PredictedFigures): Promise<FiguresToShow> {
    const records = (await this.list(modelId)).slice().reverse(); // newest first
    const same = records.find((record) => sameSetup(record.setup, setup));
    const sameLayers = records.find((record) => record.setup.gpuLayers === setup.gpuLayers && record.measured.tokensPerSecond !== undefined);

    const memoryMeasured = same?.measured.memoryBytes;
    const vramMeasured = same?.measured.vramBytes;
    const speedRecord = same?.measured.tokensPerSecond !== undefined ? same : sameLayers;
    const speedMeasured = speedRecord?.measured.tokensPerSecond;
    const vramPredicted = prediction.vramBytes;

    return {
      memory:
        memoryMeasured !== undefined
          ? { bytes: memoryMeasured, source: 'measured', errorPct: same?.errorPct.memory ?? null }
          : { bytes: prediction.memoryBytes, source: 'predicted', errorPct: null },
      vram:
        vramMeasured !== undefined
          ? { bytes: vramMeasured, source: 'measured' }
          : vramPredicted !== undefined
            ? { bytes: vramPredicted, source: 'predicted' }
            : null,
      tokensPerSecond:
        speedMeasured !== undefined
          ? { source: 'measured', value: speedMeasured, errorPct: speedRecord?.errorPct.tokensPerSecond ?? null }
          : prediction.tokensPerSecond
            ? { source: 'predicted', ...prediction.tokensPerSecond }
            : null,
    };
  }

  private async load(): Promise<MeasurementRecord[]> {
    if (this.records) return this.records;
    let records: MeasurementRecord[] = [];
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await readFile(this.options.file, 'utf8')));
      if (parsed.success) records = parsed.data.records;
      else this.loadError = `ignored ${this.options.file}: not a measurements file (${parsed.error.issues[0]?.message ?? 'invalid'})`;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.loadError = `ignored ${this.options.file}: ${(error as Error).message}`;
    }
    this.records ??= records;
    return this.records;
  }

  /** Writes go one after another; each writes the whole current list. */
  private persist(): Promise<void> {
    const write = async () => {
      const file = this.options.file;
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(temp, `${JSON.stringify({ version: 1, records: this.records ?? [] }, null, 2)}\n`);
      await rename(temp, file);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}

function sameSetup(a: MeasurementSetup, b: MeasurementSetup): boolean {
  return a.contextSize === b.contextSize && a.slots === b.slots && a.kvCacheType === b.kvCacheType && a.gpuLayers === b.gpuLayers;
}
