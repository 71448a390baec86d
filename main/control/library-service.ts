/**
 * What the control API knows about this machine and its models, in one
 * object the routes call (hardware-routes.ts, library-routes.ts,
 * download-routes.ts):
 *
 * - hardware: the probe's cached snapshot with memory bandwidth and the
 *   budget the fit works with; live samples from one shared monitor that
 *   polls only while someone listens;
 * - library: the catalog scan (kept until a rescan), each model's fit at a
 *   context/slots/KV type, its speed estimate, and predicted figures merged
 *   with measured ones (measured win once they exist);
 * - hub and downloads: Hugging Face search and file listings with a rough fit
 *   per file, downloads into the data dir's models folder tracked by id; a
 *   finished download rescans the library before it reports `done`.
 *
 * Every effect is injected (probe, scan, hub endpoint and dispatcher, clock,
 * secret store, data dir...) so the tests run offline. The Hugging Face token
 * is read from the secret store for each hub call and goes nowhere else: not
 * into a record, an event, an error or a log line.
 */
import { randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { BUILTIN_TUNING } from '../config/model-list.js';
import { dataPaths } from '../config/paths.js';
import { GatewayError } from '../gateway/errors.js';
import { resolveMemoryBandwidth } from '../hardware/bandwidth.js';
import { DEFAULT_FIT_POLICY, fitModel, memoryBudget, type FitDecision, type FitPolicy, type FitVerdict, type MemoryBudget } from '../hardware/fit.js';
import { createLiveMonitor, gpuPollingUseful, type LiveMonitor, type LiveSample } from '../hardware/live.js';
import { placementBytes, type KvCacheType } from '../hardware/memory-estimate.js';
import type { ModelShape } from '../hardware/model-shape.js';
import { createHardwareProbe, type HardwareProbe } from '../hardware/probe.js';
import { estimateDecodeSpeed, type SpeedEstimate } from '../hardware/speed.js';
import type { HardwareSnapshot, MemoryBandwidth } from '../hardware/types.js';
import { createModelCatalog, type BrokenModel, type CatalogModel, type ModelCatalog } from '../models/catalog.js';
import type { DownloadProgress } from '../models/download-events.js';
import { startDownload, type DownloadHandle, type DownloadOutcome, type RetryPolicy, type StatfsFn } from '../models/download.js';
import type { ModelMetadata } from '../models/gguf-metadata.js';
import { assertRepoId, HubError, listGgufFiles, resolveHubEndpoint, searchGgufModels, type GgufFile, type ModelSearchResult, type SplitPart } from '../models/hub.js';
import { readProcessRssBytes } from '../models/measure-runtime.js';
import { comparePrediction, MeasurementStore, type FiguresToShow, type MeasurementRecord, type MeasurementSetup, type PredictedFigures } from '../models/measured.js';
import { defaultModelRoots } from '../models/sources.js';
import { fitByFileSize, type SizeFit } from '../models/starter.js';
import { redact } from '../secrets/redact.js';
import type { SecretStore } from '../secrets/store.js';

/** The secret-store name of the Hugging Face access token. */
export const HF_TOKEN_SECRET = 'huggingface-token';

// ---------------------------------------------------------------- options

export interface LibraryServiceOptions {
  /** Homeport's data dir: downloads go to `<dataDir>/models`, state to `<dataDir>/state`. */
  readonly dataDir: string;
  /** Default: the real probe (systeminformation), cached. */
  readonly hardware?: HardwareProbe;
  /** Default: resolveMemoryBandwidth (vendor table, else a one-off copy test cached in `<dataDir>/state`). */
  readonly bandwidth?: (hardware: HardwareSnapshot) => Promise<MemoryBandwidth>;
  /** Default: one monitor created on first use, polling GPUs only when the probe found an NVIDIA one. */
  readonly live?: LiveMonitor;
  /** Default: the catalog over every usual model folder (defaultModelRoots). */
  readonly scan?: () => Promise<ModelCatalog>;
  /** Default: `<dataDir>/state/measurements.json`. */
  readonly measurements?: MeasurementStore;
  /** Where the Hugging Face token is read from; without one, hub calls go unauthenticated. */
  readonly secrets?: Pick<SecretStore, 'get'>;
  readonly tokenSecretName?: string;
  readonly hub?: {
    /** Hub base URL; `HF_ENDPOINT` from `env`, else https://huggingface.co. */
    readonly endpoint?: string;
    readonly dispatcher?: Dispatcher;
    readonly env?: Readonly<Record<string, string | undefined>>;
  };
  readonly download?: { readonly retry?: RetryPolicy; readonly progressIntervalMs?: number; readonly statfs?: StatfsFn };
  /** The setup a model is judged at when the caller names none (the engine's defaults: ctx 2048 × 4 slots, f16). */
  readonly defaults?: { readonly contextSize?: number; readonly slots?: number; readonly kvCacheType?: KvCacheType };
  readonly fitPolicy?: Partial<FitPolicy>;
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Notes for the engine log (never secrets). */
  readonly log?: (line: string) => void;
  /** Finished downloads kept in the list. Default 50. */
  readonly keepFinishedDownloads?: number;
}

/** Context per slot, slots and KV cache type; anything left out takes the defaults. */
export interface SetupQuery {
  readonly contextSize?: number;
  readonly slots?: number;
  readonly kvCacheType?: KvCacheType;
}

// ---------------------------------------------------------------- views (what the API returns)

export type HardwareView = HardwareSnapshot & {
  readonly bandwidth: MemoryBandwidth | null;
  /** Why there is no bandwidth figure, when there is none. */
  readonly bandwidthError: string | null;
  /** What the fit lets a model use: RAM and VRAM minus the reserves. */
  readonly budget: MemoryBudget;
};

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
  readonly scannedAt: number;
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

const TERMINAL: ReadonlySet<DownloadStreamEvent['type']> = new Set(['done', 'error', 'cancelled']);

export function isTerminalEvent(event: DownloadStreamEvent): boolean {
  return TERMINAL.has(event.type);
}

// ---------------------------------------------------------------- measurements from a running runtime

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

// ---------------------------------------------------------------- the service

interface DownloadRecord {
  readonly id: string;
  readonly repo: string;
  readonly file: string;
  state: DownloadState;
  progress: DownloadProgress | null;
  readonly startedAt: number;
  finishedAt: number | null;
  result: DownloadResult | null;
  error: { message: string; code: string } | null;
  partPaths: readonly string[];
  readonly handle: DownloadHandle;
  readonly listeners: Set<(event: DownloadStreamEvent) => void>;
  /** Resolves once the final event has gone out. */
  settled: Promise<void>;
}

export class LibraryService {
  private readonly probe: HardwareProbe;
  private readonly resolveBandwidth: (hardware: HardwareSnapshot) => Promise<MemoryBandwidth>;
  private readonly bandwidthBySnapshot = new WeakMap<HardwareSnapshot, Promise<MemoryBandwidth>>();
  private live: Promise<LiveMonitor> | undefined;
  private readonly scanFn: () => Promise<ModelCatalog>;
  private latestCatalog: ModelCatalog | undefined;
  private scanning: Promise<ModelCatalog> | undefined;
  private queuedScan: Promise<ModelCatalog> | undefined;
  private readonly store: MeasurementStore;
  private readonly policy: FitPolicy;
  private readonly defaults: { contextSize: number; slots: number; kvCacheType: KvCacheType };
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly log: (line: string) => void;
  private readonly downloadsById = new Map<string, DownloadRecord>();
  /** Where downloads land. */
  readonly modelsDir: string;

  constructor(private readonly options: LibraryServiceOptions) {
    const paths = dataPaths(options.dataDir);
    this.modelsDir = paths.models;
    this.probe = options.hardware ?? createHardwareProbe();
    this.resolveBandwidth = options.bandwidth ?? ((hardware) => resolveMemoryBandwidth({ hardware, cacheDir: paths.state }));
    if (options.live) this.live = Promise.resolve(options.live);
    const catalog = options.scan ? undefined : createModelCatalog({ roots: defaultModelRoots({ dataDir: options.dataDir }) });
    this.scanFn = options.scan ?? (() => catalog!.scan());
    this.store = options.measurements ?? new MeasurementStore({ file: join(paths.state, 'measurements.json') });
    this.policy = { ...DEFAULT_FIT_POLICY, ...options.fitPolicy };
    this.defaults = {
      contextSize: options.defaults?.contextSize ?? BUILTIN_TUNING.ctx,
      slots: options.defaults?.slots ?? BUILTIN_TUNING.parallel,
      kvCacheType: options.defaults?.kvCacheType ?? 'f16',
    };
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.log = options.log ?? (() => undefined);
  }

  // ------------------------------------------------------------ hardware

  async hardware(): Promise<HardwareView> {
    return this.hardwareView(await this.snapshot());
  }

  async refreshHardware(): Promise<HardwareView> {
    let snapshot: HardwareSnapshot;
    try {
      snapshot = await this.probe.refresh();
    } catch (error) {
      throw probeFailed(error);
    }
    return this.hardwareView(snapshot);
  }

  /** Live samples; the shared monitor polls while at least one listener is subscribed. Returns unsubscribe. */
  async subscribeLive(listener: (sample: LiveSample) => void): Promise<() => void> {
    this.live ??= this.snapshot().then(
      (snapshot) =>
        createLiveMonitor({
          pollGpus: gpuPollingUseful(snapshot),
          onError: (error) => this.log(`live hardware poll failed: ${error instanceof Error ? error.message : String(error)}`),
        }),
      (error: unknown) => {
        this.live = undefined;
        throw error;
      },
    );
    return (await this.live).subscribe(listener);
  }

  private async snapshot(): Promise<HardwareSnapshot> {
    try {
      return await this.probe.snapshot();
    } catch (error) {
      throw probeFailed(error);
    }
  }

  private bandwidthOf(snapshot: HardwareSnapshot): Promise<MemoryBandwidth> {
    let pending = this.bandwidthBySnapshot.get(snapshot);
    if (!pending) {
      pending = this.resolveBandwidth(snapshot);
      this.bandwidthBySnapshot.set(snapshot, pending);
      pending.catch(() => this.bandwidthBySnapshot.delete(snapshot)); // try again next time
    }
    return pending;
  }

  private async bandwidthOrNull(snapshot: HardwareSnapshot): Promise<{ bandwidth: MemoryBandwidth | null; error: string | null }> {
    try {
      return { bandwidth: await this.bandwidthOf(snapshot), error: null };
    } catch (error) {
      return { bandwidth: null, error: `Memory bandwidth unknown: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private async hardwareView(snapshot: HardwareSnapshot): Promise<HardwareView> {
    const { bandwidth, error } = await this.bandwidthOrNull(snapshot);
    return { ...snapshot, bandwidth, bandwidthError: error, budget: memoryBudget(snapshot, this.policy) };
  }

  // ------------------------------------------------------------ library

  /** The library at each model's default setup, or at the one asked for. Scans on first use. */
  async library(query: SetupQuery = {}): Promise<LibraryView> {
    return this.libraryView(await this.currentCatalog(), query);
  }

  /** Scan every model folder again, then answer like `library()`. */
  async rescan(query: SetupQuery = {}): Promise<LibraryView> {
    return this.libraryView(await this.rescanCatalog(), query);
  }

  async fit(modelId: string, query: SetupQuery = {}): Promise<FitView> {
    const model = await this.model(modelId);
    const hardware = await this.snapshot();
    const { bandwidth } = await this.bandwidthOrNull(hardware);
    const fit = this.fitAt(model, hardware, query);
    const speed =
      fit.verdict === 'does-not-fit' || bandwidth === null
        ? null
        : estimateDecodeSpeed({ model: model.metadata.shape, gpuLayers: fit.gpuLayers, bandwidth, kvCacheType: fit.kvCacheType });
    return { modelId: model.id, displayName: model.displayName, fit, speed, bandwidth };
  }

  /** Predicted versus measured memory and decode speed for one setup. */
  async prediction(modelId: string, query: SetupQuery & { readonly gpuLayers?: number } = {}): Promise<PredictionView> {
    const model = await this.model(modelId);
    const hardware = await this.snapshot();
    const { bandwidth } = await this.bandwidthOrNull(hardware);
    const fit = this.fitAt(model, hardware, query);
    const history = await this.store.list(model.id);
    const { prediction, gpuLayersFrom } = this.predictionAt(model, fit, history, bandwidth, query.gpuLayers);
    const record = newest(history, (entry) => sameSetup(entry.setup, prediction.setup) && hasFigures(entry));
    const compared = record ? comparePrediction(prediction.predicted, record.measured) : null;
    return {
      modelId: model.id,
      ...prediction,
      gpuLayersFrom,
      fitVerdict: fit.verdict,
      measured: record ? { ...record.measured, at: record.at, ...(record.note ? { note: record.note } : {}) } : null,
      errorPct: compared?.errorPct ?? null,
      speedWithinRange: compared?.speedWithinRange ?? null,
      show: await this.store.figuresToShow(model.id, prediction.setup, prediction.predicted),
      history: history.slice(-10),
    };
  }

  /** The prediction for a model in the setup a runtime will use: what recordRuntimeMeasurement compares against. */
  async predictionFor(modelId: string, query: SetupQuery & { readonly gpuLayers?: number } = {}): Promise<RuntimePrediction> {
    const model = await this.model(modelId);
    const hardware = await this.snapshot();
    const { bandwidth } = await this.bandwidthOrNull(hardware);
    const fit = this.fitAt(model, hardware, query);
    return this.predictionAt(model, fit, [], bandwidth, query.gpuLayers ?? fit.gpuLayers).prediction;
  }

  /** recordRuntimeMeasurement with this service's measurement store. */
  recordRuntimeMeasurement(input: RuntimeMeasurementInput): Promise<MeasurementRecord | null> {
    return recordRuntimeMeasurement({ ...input, store: this.store });
  }

  /** The last scan's result; on first use, the scan in flight or a new one. */
  private currentCatalog(): Promise<ModelCatalog> {
    if (this.latestCatalog) return Promise.resolve(this.latestCatalog);
    return this.scanning ?? this.rescanCatalog();
  }

  /**
   * Scan again. A scan already running may have passed the folder a new file
   * just landed in, so a rescan asked for meanwhile runs after it, once
   * (callers asking while one waits share it).
   */
  private rescanCatalog(): Promise<ModelCatalog> {
    if (this.queuedScan) return this.queuedScan;
    if (this.scanning) {
      const after = this.scanning.catch(() => undefined);
      this.queuedScan = after.then(() => {
        this.queuedScan = undefined;
        return this.startScan();
      });
      return this.queuedScan;
    }
    return this.startScan();
  }

  private startScan(): Promise<ModelCatalog> {
    const scan = this.scanFn().then((catalog) => {
      this.latestCatalog = catalog;
      return catalog;
    });
    this.scanning = scan;
    const clear = () => {
      if (this.scanning === scan) this.scanning = undefined;
    };
    scan.then(clear, clear);
    return scan;
  }

  private async libraryView(catalog: ModelCatalog, query: SetupQuery): Promise<LibraryView> {
    const hardware = await this.snapshot();
    const { bandwidth } = await this.bandwidthOrNull(hardware);
    const models = await Promise.all(
      catalog.models.map(async (model): Promise<LibraryModelView> => {
        const fit = this.fitAt(model, hardware, query);
        const history = await this.store.list(model.id);
        const { prediction } = this.predictionAt(model, fit, history, bandwidth, undefined);
        const { shape: _shape, ...metadata } = model.metadata;
        return {
          id: model.id,
          displayName: model.displayName,
          files: model.files,
          sizeBytes: model.sizeBytes,
          sources: model.sources,
          metadata,
          fit: summarise(fit),
          figures: await this.store.figuresToShow(model.id, prediction.setup, prediction.predicted),
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

  private async model(id: string): Promise<CatalogModel> {
    const catalog = await this.currentCatalog();
    const model = catalog.models.find((candidate) => candidate.id === id);
    if (model) return model;
    const known = catalog.models.slice(0, 30).map((candidate) => candidate.id);
    throw new GatewayError({
      status: 404,
      code: 'model_not_found',
      param: 'id',
      message: `No model "${id}" in the library. ${known.length ? `Known ids: ${known.join(', ')}.` : 'The library is empty: download a model or add a models folder.'} POST /homeport/v1/library/rescan after adding files.`,
    });
  }

  private setupFor(model: CatalogModel, query: SetupQuery): { contextSize: number; slots: number; kvCacheType: KvCacheType } {
    const trained = model.metadata.trainedContext;
    return {
      contextSize: query.contextSize ?? Math.min(this.defaults.contextSize, trained ?? Number.POSITIVE_INFINITY),
      slots: query.slots ?? this.defaults.slots,
      kvCacheType: query.kvCacheType ?? this.defaults.kvCacheType,
    };
  }

  private fitAt(model: CatalogModel, hardware: HardwareSnapshot, query: SetupQuery): FitDecision {
    return fitModel({ model: model.metadata.shape, hardware, policy: this.policy, ...this.setupFor(model, query) });
  }

  /**
   * The prediction at the fit's context and slots. GPU layers: as asked;
   * else those of the latest measurement of the same context/slots/KV type
   * (the runtime may run it on the CPU although a GPU would take it), so
   * measured figures are shown once they exist; else the fit's.
   */
  private predictionAt(
    model: CatalogModel,
    fit: FitDecision,
    history: readonly MeasurementRecord[],
    bandwidth: MemoryBandwidth | null,
    gpuLayers: number | undefined,
  ): { prediction: RuntimePrediction; gpuLayersFrom: PredictionView['gpuLayersFrom'] } {
    const base = { contextSize: fit.contextSize, slots: fit.slots, kvCacheType: fit.kvCacheType };
    const measured = newest(history, (entry) => sameContext(entry.setup, base) && hasFigures(entry));
    const from: PredictionView['gpuLayersFrom'] = gpuLayers !== undefined ? 'query' : measured ? 'measurement' : 'fit';
    const layers = gpuLayers ?? measured?.setup.gpuLayers ?? fit.gpuLayers;
    if (layers > fit.totalLayers) {
      throw new GatewayError({
        status: 400,
        code: 'invalid_value',
        param: 'gpuLayers',
        message: `gpuLayers is ${layers} but ${model.id} has ${fit.totalLayers} offloadable layers (blocks + output layer).`,
      });
    }
    const setup: MeasurementSetup = { ...base, gpuLayers: layers };
    return { prediction: { setup, predicted: predictFigures(model.metadata.shape, setup, bandwidth, this.policy) }, gpuLayersFrom: from };
  }

  // ------------------------------------------------------------ hub

  async searchHub(query: string, limit: number): Promise<{ readonly query: string; readonly results: readonly ModelSearchResult[] }> {
    const token = await this.token();
    try {
      return { query, results: await searchGgufModels({ ...this.hubOptions(token), query, limit }) };
    } catch (error) {
      throw hubFailure(error, token);
    }
  }

  /** A repo's GGUF files grouped into downloadable models, each with a rough fit for this machine. */
  async hubFiles(repo: string, revision?: string): Promise<HubFilesView> {
    const token = await this.token();
    let listing;
    try {
      listing = await listGgufFiles({ ...this.hubOptions(token), repo, ...(revision ? { revision } : {}) });
    } catch (error) {
      throw hubFailure(error, token, 'repo');
    }
    const hardware = await this.snapshot();
    const groups: HubGroupView[] = listing.groups.map((group) => ({
      key: group.key,
      ...(group.quant ? { quant: group.quant } : {}),
      files: group.files.map((file) => file.path),
      totalSize: group.totalSize,
      complete: group.complete,
      projector: group.projector,
      split: group.files[0]?.split ? { count: group.files[0].split.count } : null,
      fit: group.projector ? null : fitByFileSize({ sizeBytes: group.totalSize, hardware, policy: this.policy }),
    }));
    const groupOf = new Map<string, HubGroupView>();
    for (const group of groups) for (const path of group.files) groupOf.set(path, group);
    const files = listing.files.map((file) => {
      const group = groupOf.get(file.path);
      return { ...file, group: group?.key ?? file.path, fit: group?.fit ?? null };
    });
    return { repo: listing.repo, revision: listing.revision, files, groups };
  }

  private hubOptions(token: string | undefined) {
    const hub = this.options.hub ?? {};
    return {
      endpoint: resolveHubEndpoint({ endpoint: hub.endpoint, env: hub.env }),
      ...(token ? { token } : {}),
      ...(hub.dispatcher ? { dispatcher: hub.dispatcher } : {}),
    };
  }

  /** The Hugging Face token, read fresh so a token saved in settings applies at once. */
  private async token(): Promise<string | undefined> {
    if (!this.options.secrets) return undefined;
    try {
      return await this.options.secrets.get(this.options.tokenSecretName ?? HF_TOKEN_SECRET);
    } catch (error) {
      // SecretStoreError messages name the file, never a value.
      this.log(`could not read the Hugging Face token, continuing without it: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  // ------------------------------------------------------------ downloads

  /** Start downloading `file` of `repo` into the models folder. Failures after this point arrive as the `error` event. */
  async startDownload(request: { readonly repo: string; readonly file: string }): Promise<DownloadView> {
    try {
      assertRepoId(request.repo);
    } catch (error) {
      throw hubFailure(error, undefined, 'repo');
    }
    const token = await this.token(); // before the duplicate check, so no await separates it from the insert below
    const running = [...this.downloadsById.values()].find(
      (record) => record.repo === request.repo && record.file === request.file && !isFinished(record.state),
    );
    if (running) {
      throw new GatewayError({
        status: 409,
        code: 'download_in_progress',
        param: 'file',
        message: `${request.repo}:${request.file} is already being downloaded (id ${running.id}); follow GET /homeport/v1/downloads/${running.id}/events.`,
      });
    }
    const hub = this.hubOptions(token);
    const settings = this.options.download ?? {};
    const handle = startDownload({
      ...hub,
      repo: request.repo,
      file: request.file,
      destDir: this.modelsDir,
      ...(settings.retry ? { retry: settings.retry } : {}),
      ...(settings.progressIntervalMs !== undefined ? { progressIntervalMs: settings.progressIntervalMs } : {}),
      ...(settings.statfs ? { statfs: settings.statfs } : {}),
    });
    const record: DownloadRecord = {
      id: this.newId(),
      repo: request.repo,
      file: request.file,
      state: 'downloading',
      progress: null,
      startedAt: this.now(),
      finishedAt: null,
      result: null,
      error: null,
      partPaths: [],
      handle,
      listeners: new Set(),
      settled: Promise.resolve(),
    };
    this.downloadsById.set(record.id, record);
    handle.events.on('progress', (progress) => {
      record.progress = progress;
      if (record.state === 'verifying') record.state = 'downloading'; // the next part of a split model
      this.publish(record, { type: 'progress', data: progress });
    });
    handle.events.on('verifying', (event) => {
      if (record.state !== 'cancelling') record.state = 'verifying';
      this.publish(record, { type: 'verifying', data: { file: event.file } });
    });
    record.settled = handle.done.then((outcome) => this.finish(record, outcome, token));
    this.log(`download ${record.id}: ${request.repo}:${request.file} into ${this.modelsDir}`);
    return viewOf(record);
  }

  downloads(): DownloadView[] {
    return [...this.downloadsById.values()].map(viewOf);
  }

  download(id: string): DownloadView {
    return viewOf(this.record(id));
  }

  /**
   * Follow one download: the listener gets a `state` event at once, then live
   * events; a finished download sends its final event straight after `state`.
   * Returns unsubscribe.
   */
  watchDownload(id: string, listener: (event: DownloadStreamEvent) => void): () => void {
    const record = this.record(id);
    listener({ type: 'state', data: viewOf(record) });
    const final = finalEvent(record);
    if (final) {
      listener(final);
      return () => undefined;
    }
    record.listeners.add(listener);
    return () => {
      record.listeners.delete(listener);
    };
  }

  /** Stop a running download; its `cancelled` event follows. Partial files are kept for a resume. */
  cancelDownload(id: string): DownloadView {
    const record = this.record(id);
    if (isFinished(record.state)) {
      throw new GatewayError({
        status: 409,
        code: 'download_not_active',
        param: 'id',
        message: `Download ${id} has already finished (${record.state}); there is nothing to cancel.`,
      });
    }
    record.state = 'cancelling';
    record.handle.cancel();
    return viewOf(record);
  }

  /** Cancel every running download and wait until each has stopped (engine shutdown). */
  async close(): Promise<void> {
    const running = [...this.downloadsById.values()].filter((record) => !isFinished(record.state));
    for (const record of running) record.handle.cancel();
    await Promise.all(running.map((record) => record.settled));
  }

  private record(id: string): DownloadRecord {
    const record = this.downloadsById.get(id);
    if (!record) {
      throw new GatewayError({
        status: 404,
        code: 'download_not_found',
        param: 'id',
        message: `No download "${id}". GET /homeport/v1/downloads lists them (finished ones are kept for a while).`,
      });
    }
    return record;
  }

  private async finish(record: DownloadRecord, outcome: DownloadOutcome, token: string | undefined): Promise<void> {
    if (outcome.status === 'done') {
      record.result = await this.indexDownloaded(outcome.paths);
      record.state = 'done';
    } else if (outcome.status === 'cancelled') {
      record.partPaths = outcome.partPaths;
      record.state = 'cancelled';
    } else {
      // download.ts already scrubs its messages; once more, with the exact token, costs nothing.
      record.error = { message: redact(outcome.error.message, { secrets: [token] }), code: outcome.error.code };
      record.state = 'error';
    }
    record.finishedAt = this.now();
    const final = finalEvent(record);
    if (final) this.publish(record, final);
    record.listeners.clear();
    this.log(`download ${record.id}: ${record.state}${record.error ? ` (${record.error.code})` : ''}`);
    this.pruneFinished();
  }

  /** Rescan and find which library entries the new files became. */
  private async indexDownloaded(paths: readonly string[]): Promise<DownloadResult> {
    const real = new Set(await Promise.all(paths.map((path) => realpath(path).catch(() => path))));
    try {
      const catalog = await this.rescanCatalog();
      const hit = (files: readonly string[]) => files.some((file) => real.has(file));
      return {
        paths,
        modelIds: catalog.models.filter((model) => hit(model.files)).map((model) => model.id),
        broken: catalog.broken.filter((entry) => hit(entry.files)).map((entry) => ({ displayName: entry.displayName, reason: entry.reason })),
      };
    } catch (error) {
      const reason = `the library could not be rescanned: ${error instanceof Error ? error.message : String(error)}`;
      this.log(reason);
      return { paths, modelIds: [], broken: [] };
    }
  }

  private publish(record: DownloadRecord, event: DownloadStreamEvent): void {
    for (const listener of [...record.listeners]) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not break the download or the others.
      }
    }
  }

  private pruneFinished(): void {
    const keep = this.options.keepFinishedDownloads ?? 50;
    const finished = [...this.downloadsById.values()].filter((record) => isFinished(record.state));
    for (const record of finished.slice(0, Math.max(0, finished.length - keep))) this.downloadsById.delete(record.id);
  }
}

// ---------------------------------------------------------------- helpers

/** Memory (whole runtime process, overhead included) and decode speed for one placement. */
function predictFigures(shape: ModelShape, setup: MeasurementSetup, bandwidth: MemoryBandwidth | null, policy: FitPolicy): PredictedFigures {
  const bytes = placementBytes({ shape, ...setup, ubatch: policy.ubatch });
  const ram = bytes.cpu.weights + bytes.cpu.kvCache + bytes.cpu.compute + policy.runtimeOverheadBytes;
  const vram = bytes.gpu.weights + bytes.gpu.kvCache + bytes.gpu.compute;
  const speed = bandwidth
    ? estimateDecodeSpeed({ model: shape, gpuLayers: setup.gpuLayers, bandwidth, kvCacheType: setup.kvCacheType }).tokensPerSecond
    : null;
  return { memoryBytes: ram, ...(setup.gpuLayers > 0 ? { vramBytes: vram } : {}), tokensPerSecond: speed };
}

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

function isFinished(state: DownloadState): boolean {
  return state === 'done' || state === 'error' || state === 'cancelled';
}

function viewOf(record: DownloadRecord): DownloadView {
  return {
    id: record.id,
    repo: record.repo,
    file: record.file,
    state: record.state,
    progress: record.progress,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    result: record.result,
    error: record.error,
  };
}

function finalEvent(record: DownloadRecord): DownloadStreamEvent | undefined {
  if (record.state === 'done' && record.result) return { type: 'done', data: record.result };
  if (record.state === 'error' && record.error) return { type: 'error', data: record.error };
  if (record.state === 'cancelled') return { type: 'cancelled', data: { partPaths: record.partPaths } };
  return undefined;
}

function probeFailed(error: unknown): GatewayError {
  return new GatewayError({
    status: 503,
    code: 'hardware_probe_failed',
    message: `Could not read this machine's hardware: ${error instanceof Error ? error.message : String(error)}. Try POST /homeport/v1/hardware/refresh; if it keeps failing, check Homeport's logs.`,
  });
}

/** A hub failure as the OpenAI-shaped error our clients see, without the token. */
function hubFailure(error: unknown, token: string | undefined, param: string | null = null): unknown {
  if (!(error instanceof HubError)) return error;
  const message = redact(error.message, { secrets: [token] });
  switch (error.code) {
    case 'invalid_request':
      return new GatewayError({ status: 400, code: 'invalid_value', param, message });
    case 'not_found':
      return new GatewayError({ status: 404, code: 'hub_not_found', param, message });
    case 'auth_required':
      return new GatewayError({ status: 403, code: 'hub_auth_required', param, message });
    case 'rate_limited':
      return new GatewayError({ status: 429, code: 'hub_rate_limited', message, headers: { 'Retry-After': '60' } });
    case 'network':
      return new GatewayError({ status: 502, code: 'hub_unreachable', message });
    default:
      return new GatewayError({ status: 502, code: 'hub_error', message });
  }
}
