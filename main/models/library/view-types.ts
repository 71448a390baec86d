/**
 * What the hardware, library, hub and download routes answer with: plain
 * data, built by the modules beside this file and sent as JSON unchanged.
 */
import type { FitDecision, FitVerdict, MemoryBudget } from '../../hardware/fit.js';
import type { KvCacheType } from '../../hardware/memory-estimate.js';
import type { SpeedEstimate } from '../../hardware/speed.js';
import type { HardwareSnapshot, MemoryBandwidth } from '../../hardware/types.js';
import type { BrokenModel, CatalogModel, ModelCatalog } from '../catalog.js';
import type { DownloadProgress } from '../download-events.js';
import type { ModelMetadata } from '../gguf-metadata.js';
import type { GgufFile, ModelSearchResult, SplitPart } from '../hub.js';
import type { FiguresToShow, MeasurementRecord, MeasurementSetup, PredictedFigures } from '../measured.js';
import type { SizeFit } from '../starter.js';

/** Context per slot, slots and KV cache type; anything left out takes the defaults. */
export interface SetupQuery {
  readonly contextSize?: number;
  readonly slots?: number;
  readonly kvCacheType?: KvCacheType;
}

// ---------------------------------------------------------------- hardware

export type HardwareView = HardwareSnapshot & {
  readonly bandwidth: MemoryBandwidth | null;
  /** Why there is no bandwidth figure, when there is none. */
  readonly bandwidthError: string | null;
  /** What the fit lets a model use: RAM and VRAM minus the reserves. */
  readonly budget: MemoryBudget;
};

// ---------------------------------------------------------------- library, fit, prediction

export interface FitSummary {
  readonly verdict: FitVerdict;
  readonly contextSize: number;
  readonly slots: number;
  readonly kvCacheType: KvCacheType;
  readonly gpuLayers: number;
  readonly totalLayers: number;
  readonly memory: { readonly totalBytes: number; readonly ramBytes: number; readonly vramBytes: number; readonly kvCacheBytes: number };
  readonly reason: string;
  readonly warnings: readonly string[];
}

export interface LibraryModelView {
  readonly id: string;
  readonly displayName: string;
  readonly files: readonly string[];
  readonly sizeBytes: number;
  readonly sources: CatalogModel['sources'];
  readonly metadata: Omit<ModelMetadata, 'shape'>;
  readonly fit: FitSummary;
  /** Memory and speed to show: measured where a measurement of this setup exists, else predicted. */
  readonly figures: FiguresToShow;
}

export interface LibraryView {
  /** When the library was last scanned; null before the first scan (POST /homeport/v1/library/rescan scans). */
  readonly scannedAt: number | null;
  readonly hardwareProbedAt: number;
  readonly models: readonly LibraryModelView[];
  readonly broken: readonly BrokenModel[];
  readonly skipped: ModelCatalog['skipped'];
  readonly roots: ModelCatalog['roots'];
}

export interface FitView {
  readonly modelId: string;
  readonly displayName: string;
  readonly fit: FitDecision;
  /** Null when the model does not fit (nothing to time). */
  readonly speed: SpeedEstimate | null;
  readonly bandwidth: MemoryBandwidth | null;
}

/** What fit.ts and speed.ts predict for one setup, in the form measured.ts stores. */
export interface RuntimePrediction {
  readonly setup: MeasurementSetup;
  /** `memoryBytes` is the whole runtime process in RAM (overhead included), to compare with its RSS. */
  readonly predicted: PredictedFigures;
}

export interface PredictionView extends RuntimePrediction {
  readonly modelId: string;
  /** Where the GPU layer count came from: the query, the latest measurement of this setup, or the fit. */
  readonly gpuLayersFrom: 'query' | 'measurement' | 'fit';
  readonly fitVerdict: FitVerdict;
  /** The latest measurement of exactly this setup, if any. */
  readonly measured: (MeasurementRecord['measured'] & { readonly at: number; readonly note?: string }) | null;
  /** (predicted − measured) / measured in %, against the current prediction. */
  readonly errorPct: MeasurementRecord['errorPct'] | null;
  readonly speedWithinRange: boolean | null;
  /** Measured figures preferred, predicted otherwise. */
  readonly show: FiguresToShow;
  /** This model's latest measurements (any setup), oldest first. */
  readonly history: readonly MeasurementRecord[];
}

// ---------------------------------------------------------------- Hugging Face hub

export interface HubSearchView {
  readonly query: string;
  readonly results: readonly ModelSearchResult[];
}

export interface HubFileView extends GgufFile {
  /** The downloadable model this file belongs to (the split's name for a part). */
  readonly group: string;
  /** The group's fit (a multimodal projector has none). */
  readonly fit: SizeFit | null;
}

export interface HubGroupView {
  readonly key: string;
  readonly quant?: string;
  readonly files: readonly string[];
  readonly totalSize: number;
  readonly complete: boolean;
  readonly projector: boolean;
  readonly split: Pick<SplitPart, 'count'> | null;
  /** Judged from the file size: the metadata is read only after download. Null for a projector. */
  readonly fit: SizeFit | null;
}

export interface HubFilesView {
  readonly repo: string;
  readonly revision: string;
  readonly files: readonly HubFileView[];
  readonly groups: readonly HubGroupView[];
}

// ---------------------------------------------------------------- downloads

export type DownloadState = 'downloading' | 'verifying' | 'cancelling' | 'done' | 'error' | 'cancelled';

export interface DownloadView {
  readonly id: string;
  readonly repo: string;
  readonly file: string;
  readonly state: DownloadState;
  readonly progress: DownloadProgress | null;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** Set when done: where the files landed and which library models they became. */
  readonly result: DownloadResult | null;
  readonly error: { readonly message: string; readonly code: string } | null;
}

export interface DownloadResult {
  readonly paths: readonly string[];
  /** Library ids of the downloaded model (empty if the library could not read it: see `broken`). */
  readonly modelIds: readonly string[];
  readonly broken: readonly { readonly displayName: string; readonly reason: string }[];
}

/** The events of one download's stream, by name. */
export interface DownloadStreamEvents {
  /** First event of every stream: where the download stands. */
  state: DownloadView;
  progress: DownloadProgress;
  verifying: { readonly file: string };
  /** Sent after the library was rescanned, so the model is listed by then. */
  done: DownloadResult;
  error: { readonly message: string; readonly code: string };
  /** Partial files stay for a later resume (download the same file again). */
  cancelled: { readonly partPaths: readonly string[] };
}

export type DownloadStreamEvent = { [K in keyof DownloadStreamEvents]: { readonly type: K; readonly data: DownloadStreamEvents[K] } }[keyof DownloadStreamEvents];
