/**
 * The library's models as the API shows them: each one's fit at a
 * context/slots/KV type (the caller's, else the defaults capped at the
 * model's trained context), its decode-speed estimate, and its predicted
 * figures merged with measured ones (measured win once they exist).
 */
import { fitModel, type FitDecision, type FitPolicy } from '../../hardware/fit.js';
import type { KvCacheType } from '../../hardware/memory-estimate.js';
import { estimateDecodeSpeed } from '../../hardware/speed.js';
import type { HardwareSnapshot } from '../../hardware/types.js';
import type { CatalogModel, ModelCatalog } from '../catalog.js';
import { comparePrediction, type MeasurementStore } from '../measured.js';
import type { CatalogCache } from './catalog-cache.js';
import type { HardwareAccess } from './hardware-access.js';
import { latestMeasurementOf, predictionAt } from './prediction.js';
import type { FitSummary, FitView, LibraryModelView, LibraryView, PredictionView, RuntimePrediction, SetupQuery } from './view-types.js';

/** The setup a model is judged at when the caller names none. */
export interface SetupDefaults {
  readonly contextSize: number;
  readonly slots: number;
  readonly kvCacheType: KvCacheType;
}

export interface ModelViewsOptions {
  readonly catalog: CatalogCache;
  readonly hardware: HardwareAccess;
  readonly store: MeasurementStore;
  readonly policy: FitPolicy;
  readonly defaults: SetupDefaults;
}

/** A setup query that may also pin the GPU layer count. */
export type PredictionQuery = SetupQuery & { readonly gpuLayers?: number };

export class ModelViews {
  constructor(private readonly options: ModelViewsOptions) {}

  /**
   * The library at each model's default setup, or at the one asked for, from
   * the last scan (or the one running). Never starts a scan: before the
   * first one the library is empty with `scannedAt: null`.
   */
  async library(query: SetupQuery): Promise<LibraryView> {
    return this.libraryView((await this.options.catalog.scanned()) ?? null, query);
  }

  /** Scan every model folder again, then answer like `library()`. */
  async rescan(query: SetupQuery): Promise<LibraryView> {
    return this.libraryView(await this.options.catalog.rescan(), query);
  }

  /** One model's fit and speed range from the last scan (never scans). */
  async fit(modelId: string, query: SetupQuery): Promise<FitView> {
    const model = await this.options.catalog.model(modelId, { scan: false });
    const hardware = await this.options.hardware.snapshot();
    const { bandwidth } = await this.options.hardware.bandwidthOrNull(hardware);
    const fit = this.fitAt(model, hardware, query);
    const speed =
      fit.verdict === 'does-not-fit' || bandwidth === null
        ? null
        : estimateDecodeSpeed({ model: model.metadata.shape, gpuLayers: fit.gpuLayers, bandwidth, kvCacheType: fit.kvCacheType });
    return { modelId: model.id, displayName: model.displayName, fit, speed, bandwidth };
  }

  /** Predicted versus measured memory and decode speed for one setup. */
  async prediction(modelId: string, query: PredictionQuery): Promise<PredictionView> {
    const { store, policy } = this.options;
    const model = await this.options.catalog.model(modelId, { scan: false });
    const hardware = await this.options.hardware.snapshot();
    const { bandwidth } = await this.options.hardware.bandwidthOrNull(hardware);
    const fit = this.fitAt(model, hardware, query);
    const history = await store.list(model.id);
    const { prediction, gpuLayersFrom } = predictionAt({ model, fit, history, bandwidth, gpuLayers: query.gpuLayers, policy });
    const record = latestMeasurementOf(history, prediction.setup);
    const compared = record ? comparePrediction(prediction.predicted, record.measured) : null;
    return {
      modelId: model.id,
      ...prediction,
      gpuLayersFrom,
      fitVerdict: fit.verdict,
      measured: record ? { ...record.measured, at: record.at, ...(record.note ? { note: record.note } : {}) } : null,
      errorPct: compared?.errorPct ?? null,
      speedWithinRange: compared?.speedWithinRange ?? null,
      show: await store.figuresToShow(model.id, prediction.setup, prediction.predicted),
      history: history.slice(-10),
    };
  }

  /** The prediction for a model in the setup a runtime will use (measurements ignored, GPU layers from the query or the fit). */
  async predictionFor(modelId: string, query: PredictionQuery): Promise<RuntimePrediction> {
    const model = await this.options.catalog.model(modelId);
    const hardware = await this.options.hardware.snapshot();
    // The engine asks this itself (after a runtime's first measurement), so it may measure the bandwidth.
    const { bandwidth } = await this.options.hardware.measureBandwidth(hardware);
    const fit = this.fitAt(model, hardware, query);
    return predictionAt({ model, fit, history: [], bandwidth, gpuLayers: query.gpuLayers ?? fit.gpuLayers, policy: this.options.policy }).prediction;
  }

  private async libraryView(scan: ModelCatalog | null, query: SetupQuery): Promise<LibraryView> {
    const { store, policy } = this.options;
    const catalog = scan ?? { models: [], broken: [], skipped: [], roots: [], scannedAt: null };
    const hardware = await this.options.hardware.snapshot();
    const { bandwidth } = await this.options.hardware.bandwidthOrNull(hardware);
    const models = await Promise.all(
      catalog.models.map(async (model): Promise<LibraryModelView> => {
        const fit = this.fitAt(model, hardware, query);
        const history = await store.list(model.id);
        const { prediction } = predictionAt({ model, fit, history, bandwidth, gpuLayers: undefined, policy });
        const { shape: _shape, ...metadata } = model.metadata;
        return {
          id: model.id,
          displayName: model.displayName,
          files: model.files,
          sizeBytes: model.sizeBytes,
          sources: model.sources,
          metadata,
          fit: summarise(fit),
          figures: await store.figuresToShow(model.id, prediction.setup, prediction.predicted),
        };
      }),
    );
    return {
      scannedAt: catalog.scannedAt,
      hardwareProbedAt: hardware.probedAt,
      models,
      broken: catalog.broken,
      skipped: catalog.skipped,
      roots: catalog.roots,
    };
  }

  private fitAt(model: CatalogModel, hardware: HardwareSnapshot, query: SetupQuery): FitDecision {
    return fitModel({ model: model.metadata.shape, hardware, policy: this.options.policy, ...this.setupFor(model, query) });
  }

  private setupFor(model: CatalogModel, query: SetupQuery): SetupDefaults {
    const { defaults } = this.options;
    const trained = model.metadata.trainedContext;
    return {
      contextSize: query.contextSize ?? Math.min(defaults.contextSize, trained ?? Number.POSITIVE_INFINITY),
      slots: query.slots ?? defaults.slots,
      kvCacheType: query.kvCacheType ?? defaults.kvCacheType,
    };
  }
}

/** The fit decision without its per-layer detail, for the library list. */
function summarise(fit: FitDecision): FitSummary {
  return {
    verdict: fit.verdict,
    contextSize: fit.contextSize,
    slots: fit.slots,
    kvCacheType: fit.kvCacheType,
    gpuLayers: fit.gpuLayers,
    totalLayers: fit.totalLayers,
    memory: { totalBytes: fit.memory.totalBytes, ramBytes: fit.memory.ramBytes, vramBytes: fit.memory.vramBytes, kvCacheBytes: fit.memory.kvCacheBytes },
    reason: fit.reason,
    warnings: fit.warnings,
  };
}
