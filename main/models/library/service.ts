/**
 * What the control API knows about this machine and its models, in one
 * object the routes call (hardware-routes.ts, library-routes.ts,
 * download-routes.ts). This file resolves the defaults and wires the parts
 * in ./library/, each one small and named by what it does:
 *
 * - hardware-access.ts: the probe's cached snapshot with memory bandwidth and
 *   the budget the fit works with; live samples from one shared monitor that
 *   polls only while someone listens;
 * - catalog-cache.ts + model-views.ts: the catalog scan (kept until a
 *   rescan), each model's fit at a context/slots/KV type, its speed estimate;
 * - prediction.ts + runtime-measurement.ts: predicted figures merged with
 *   measured ones (measured win once they exist);
 * - hub-access.ts + hub-browser.ts: Hugging Face search and file listings with
 *   a rough fit per file;
 * - downloads.ts: downloads into the data dir's models folder tracked by id; a
 *   finished download rescans the library before it reports `done`;
 * - views.ts: the shapes all of the above answer with.
 *
 * Every effect is injected (probe, scan, hub endpoint and dispatcher, clock,
 * secret store, data dir...) so the tests run offline. The Hugging Face token
 * is read from the secret store for each hub call and goes nowhere else: not
 * into a record, an event, an error or a log line.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BUILTIN_TUNING } from '../../config/model-list.js';
import { dataPaths } from '../../config/paths.js';
import { resolveMemoryBandwidth } from '../../hardware/bandwidth.js';
import { DEFAULT_FIT_POLICY, type FitPolicy } from '../../hardware/fit.js';
import type { LiveMonitor, LiveSample } from '../../hardware/live.js';
import type { KvCacheType } from '../../hardware/memory-estimate.js';
import { createHardwareProbe, type HardwareProbe } from '../../hardware/probe.js';
import type { HardwareSnapshot, MemoryBandwidth } from '../../hardware/types.js';
import { createModelCatalog, type ModelCatalog } from '../catalog.js';
import { MeasurementStore, type MeasurementRecord } from '../measured.js';
import { defaultModelRoots } from '../sources.js';
import type { SecretStore } from '../../secrets/store.js';
import { CatalogCache } from './catalog-cache.js';
import { DownloadManager, type DownloadSettings } from './download-manager.js';
import { BandwidthNotMeasuredError, HardwareAccess } from './hardware-access.js';
import { HubAccess, type HubSettings } from './hub-access.js';
import { HubBrowser } from './hub-browser.js';
import { ModelViews, type PredictionQuery } from './library-queries.js';
import { recordRuntimeMeasurement, type RuntimeMeasurementInput } from './runtime-measurement.js';
import type {
  DownloadStreamEvent,
  DownloadView,
  FitView,
  HardwareView,
  HubFilesView,
  HubSearchView,
  LibraryView,
  PredictionView,
  RuntimePrediction,
  SetupQuery,
} from './view-types.js';

export { isTerminalEvent } from './download-manager.js';
export { HF_TOKEN_SECRET } from './hub-access.js';
export { BandwidthNotMeasuredError } from './hardware-access.js';
export { recordRuntimeMeasurement, type RuntimeMeasurementInput } from './runtime-measurement.js';
export type {
  DownloadResult,
  DownloadState,
  DownloadStreamEvent,
  DownloadStreamEvents,
  DownloadView,
  FitSummary,
  FitView,
  HardwareView,
  HubFileView,
  HubFilesView,
  HubGroupView,
  HubSearchView,
  LibraryModelView,
  LibraryView,
  PredictionView,
  RuntimePrediction,
  SetupQuery,
} from './view-types.js';

export interface LibraryServiceOptions {
  /** Homeport's data dir: downloads go to `<dataDir>/models`, state to `<dataDir>/state`. */
  readonly dataDir: string;
  /** Default: the real probe (systeminformation), cached. */
  readonly hardware?: HardwareProbe;
  /** Default: resolveMemoryBandwidth (vendor table, else a one-off copy test cached in `<dataDir>/state`). Run only by refreshHardware. */
  readonly bandwidth?: (hardware: HardwareSnapshot) => Promise<MemoryBandwidth>;
  /**
   * What reads use: the bandwidth known without a measurement (vendor table, the copy test's result kept in
   * `<dataDir>/state`), rejecting with BandwidthNotMeasuredError otherwise. Default: resolveMemoryBandwidth with no copy test.
   */
  readonly knownBandwidth?: (hardware: HardwareSnapshot) => Promise<MemoryBandwidth>;
  /** Default: one monitor created on first use, polling GPUs only when the probe found an NVIDIA one. */
  readonly live?: LiveMonitor;
  /** Default: the catalog over every usual model folder (defaultModelRoots). */
  readonly scan?: () => Promise<ModelCatalog>;
  /** Default: `<dataDir>/state/measurements.json`. */
  readonly measurements?: MeasurementStore;
  /** Where the Hugging Face token is read from; without one, hub calls go unauthenticated. */
  readonly secrets?: Pick<SecretStore, 'get'>;
  readonly tokenSecretName?: string;
  readonly hub?: HubSettings;
  readonly download?: DownloadSettings;
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

export class LibraryService {
  /** Where downloads land. */
  readonly modelsDir: string;
  private readonly machine: HardwareAccess;
  private readonly models: ModelViews;
  private readonly hub: HubBrowser;
  private readonly transfers: DownloadManager;
  private readonly store: MeasurementStore;

  constructor(options: LibraryServiceOptions) {
    const paths = dataPaths(options.dataDir);
    this.modelsDir = paths.models;
    const log = options.log ?? (() => undefined);
    const policy: FitPolicy = { ...DEFAULT_FIT_POLICY, ...options.fitPolicy };

    this.machine = new HardwareAccess({
      probe: options.hardware ?? createHardwareProbe(),
      resolveBandwidth: options.bandwidth ?? ((hardware) => resolveMemoryBandwidth({ hardware, cacheDir: paths.state })),
      knownBandwidth: options.knownBandwidth ?? ((hardware) => resolveMemoryBandwidth({ hardware, cacheDir: paths.state, measure: refuseToMeasure })),
      ...(options.live ? { live: options.live } : {}),
      policy,
      log,
    });

    const scan = options.scan ?? scanDefaultRoots(options.dataDir);
    const catalog = new CatalogCache(scan);
    this.store = options.measurements ?? new MeasurementStore({ file: join(paths.state, 'measurements.json') });
    this.models = new ModelViews({
      catalog,
      hardware: this.machine,
      store: this.store,
      policy,
      defaults: {
        contextSize: options.defaults?.contextSize ?? BUILTIN_TUNING.ctx,
        slots: options.defaults?.slots ?? BUILTIN_TUNING.parallel,
        kvCacheType: options.defaults?.kvCacheType ?? 'f16',
      },
    });

    const hubAccess = new HubAccess({
      ...(options.hub ? { hub: options.hub } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.tokenSecretName !== undefined ? { tokenSecretName: options.tokenSecretName } : {}),
      log,
    });
    this.hub = new HubBrowser({ hub: hubAccess, hardware: this.machine, policy });
    this.transfers = new DownloadManager({
      modelsDir: this.modelsDir,
      hub: hubAccess,
      rescan: () => catalog.rescan(),
      ...(options.download ? { settings: options.download } : {}),
      keepFinished: options.keepFinishedDownloads ?? 50,
      now: options.now ?? Date.now,
      newId: options.newId ?? randomUUID,
      log,
    });
  }

  // ------------------------------------------------------------ hardware

  /** The probe's cached snapshot, with the memory bandwidth when it is known without measuring (nothing heavy starts). */
  async hardware(): Promise<HardwareView> {
    return this.machine.view(await this.machine.snapshot());
  }

  /** Probe again and resolve the memory bandwidth, running the copy test once per machine if nothing else knows it. */
  async refreshHardware(): Promise<HardwareView> {
    const snapshot = await this.machine.refresh();
    await this.machine.measureBandwidth(snapshot);
    return this.machine.view(snapshot);
  }

  /** Live samples; the shared monitor polls while at least one listener is subscribed. Returns unsubscribe. */
  subscribeLive(listener: (sample: LiveSample) => void): Promise<() => void> {
    return this.machine.subscribeLive(listener);
  }

  // ------------------------------------------------------------ library

  /** The library at each model's default setup, or at the one asked for, from the last scan (`scannedAt: null` before the first); never scans. */
  library(query: SetupQuery = {}): Promise<LibraryView> {
    return this.models.library(query);
  }

  /** Scan every model folder again, then answer like `library()`. */
  rescan(query: SetupQuery = {}): Promise<LibraryView> {
    return this.models.rescan(query);
  }

  fit(modelId: string, query: SetupQuery = {}): Promise<FitView> {
    return this.models.fit(modelId, query);
  }

  /** Predicted versus measured memory and decode speed for one setup. */
  prediction(modelId: string, query: PredictionQuery = {}): Promise<PredictionView> {
    return this.models.prediction(modelId, query);
  }

  /** The prediction for a model in the setup a runtime will use: what recordRuntimeMeasurement compares against. */
  predictionFor(modelId: string, query: PredictionQuery = {}): Promise<RuntimePrediction> {
    return this.models.predictionFor(modelId, query);
  }

  /** recordRuntimeMeasurement with this service's measurement store. */
  recordRuntimeMeasurement(input: RuntimeMeasurementInput): Promise<MeasurementRecord | null> {
    return recordRuntimeMeasurement({ ...input, store: this.store });
  }

  // ------------------------------------------------------------ hub

  searchHub(query: string, limit: number): Promise<HubSearchView> {
    return this.hub.search(query, limit);
  }

  /** A repo's GGUF files grouped into downloadable models, each with a rough fit for this machine. */
  hubFiles(repo: string, revision?: string): Promise<HubFilesView> {
    return this.hub.files(repo, revision);
  }

  // ------------------------------------------------------------ downloads

  /** Start downloading `file` of `repo` into the models folder. Failures after this point arrive as the `error` event. */
  startDownload(request: { readonly repo: string; readonly file: string }): Promise<DownloadView> {
    return this.transfers.start(request);
  }

  downloads(): DownloadView[] {
    return this.transfers.list();
  }

  download(id: string): DownloadView {
    return this.transfers.get(id);
  }

  /**
   * Follow one download: the listener gets a `state` event at once, then live
   * events; a finished download sends its final event straight after `state`.
   * Returns unsubscribe.
   */
  watchDownload(id: string, listener: (event: DownloadStreamEvent) => void): () => void {
    return this.transfers.watch(id, listener);
  }

  /** Stop a running download; its `cancelled` event follows. Partial files are kept for a resume. */
  cancelDownload(id: string): DownloadView {
    return this.transfers.cancel(id);
  }

  /** Cancel every running download and wait until each has stopped (engine shutdown). */
  close(): Promise<void> {
    return this.transfers.close();
  }
}

/** A `measure` for resolveMemoryBandwidth that refuses: reads answer with what is known without the copy test. */
function refuseToMeasure(): never {
  throw new BandwidthNotMeasuredError();
}

/** The catalog over every usual model folder, built once. */
function scanDefaultRoots(dataDir: string): () => Promise<ModelCatalog> {
  const catalog = createModelCatalog({ roots: defaultModelRoots({ dataDir }) });
  return () => catalog.scan();
}
