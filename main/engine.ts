import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Router } from 'express';
import { availableParallelism } from 'node:os';
import { request } from 'undici';
import type { HomeportConfig } from './config/schema.js';
import { resolveModelList, type ModelTuning, type ResolvedModel } from './config/model-list.js';
import { dataPaths } from './config/paths.js';
import { Supervisor } from './runtimes/process/supervisor.js';
import { allocatePort } from './runtimes/process/ports.js';
import { embeddedLaunchPlan } from './runtimes/embedded/launch-plan.js';
import { SpareWorkerPool } from './runtimes/embedded/spare-worker.js';
import { ModelRegistry } from './runtimes/model-registry.js';
import { startExternalRuntimes, type ExternalRuntimes } from './runtimes/external/start.js';
import { startRedetectLoop } from './runtimes/external/redetect-loop.js';
import { createRefreshOnMiss } from './runtimes/external/refresh-on-miss.js';
import { describeDetectedRuntimes, describeGoneModels } from './runtimes/external/fleet/sightings-view.js';
import type { FleetEntry } from './runtimes/external/fleet/fleet.js';
import { hasCudaGpu } from './hardware/cuda.js';
import type { RuntimeHandle } from './runtimes/types.js';
import type { ModelEntry } from './gateway/types.js';
import { createGateway, listenGateway } from './gateway/app.js';
import { ModelMetrics } from './metrics/model-metrics.js';
import { collectStatus, type EngineStatus, type RuntimeLoad } from './control/status.js';
import { createControlRouter } from './control/http.js';
import { LibraryService } from './models/library/service.js';
import { createHardwareRouter } from './control/hardware-routes.js';
import { startHistoryRecorder } from './hardware/history-recorder.js';
import { createLibraryRouter } from './control/library-routes.js';
import { createLibraryServeRouter } from './control/library-serve-routes.js';
import { createDownloadRouter } from './control/download-routes.js';
import { createPlaygroundRouter } from './control/playground-routes.js';
import { PlaygroundStore } from './playground/store.js';
import { startMeasurementRecorder } from './models/library/measurement-recorder.js';
import { createModelCatalog } from './models/catalog.js';
import { defaultModelRoots } from './models/sources.js';
import { createSecretStore } from './secrets/store.js';
import { SecretResolver } from './secrets/resolver.js';
import { RequestStore } from './requests/request-store.js';
import { RequestLog } from './requests/request-log.js';
import { Router as RequestRouter } from './routing/router.js';
import { createRoutingRouter } from './control/routing-routes.js';
import { createRequestRouter } from './control/request-routes.js';
import { createSecretRouter } from './control/secret-routes.js';
import { createResponseCache, cacheLimits } from './cache/index.js';
import { embedWithLocalModel } from './routing/embed.js';
import { HOMEPORT_VERSION } from './version.js';
import { ModelPool } from './lifecycle/model-pool.js';
import { DecisionLog } from './lifecycle/decisions.js';
import { JsonLinesFile } from './lifecycle/json-lines-file.js';
import { modelTtlMs, poolSettings } from './lifecycle/settings.js';
import { describeModels, type ModelFacts } from './control/model-list.js';
import { ensureControlToken } from './control/control-token.js';
import { createContractRouter } from './control/contract-http.js';
import { createPanelHandler, defaultPanelDir } from './control/panel-static.js';
import { ModelSettingsStore } from './control/model-settings.js';
import { createModelControl } from './control/model-control.js';
import { createModelRouter } from './control/model-routes.js';
import { machineMemory } from './lifecycle/memory-ceiling.js';
import { bundledDemoModel } from './models/demo/demo-model.js';
import { createSettingsRouter, fileSecretStorage, type SettingApplier, type SettingKey } from './control/settings-routes.js';
import { encryptedSecretStore, type SecretCipher } from './secrets/safe-storage.js';
import { createApiSurfaces } from './gateway/surfaces/index.js';
import { AppKeyStore } from './keys/key-store.js';
import { createKeyRouter } from './control/key-routes.js';
import { lanHosts } from './gateway/lan-hosts.js';
import { createPrometheusMetrics } from './metrics/prometheus.js';
import { createEngineProbes, describeRuntimeVersion } from './probe/index.js';

export interface EngineOptions {
  readonly config: HomeportConfig;
  readonly dataDir: string;
  /** `--model` paths; when non-empty they replace the configured models. */
  readonly modelPaths?: readonly string[];
  readonly portOverride?: number;
  readonly tuning?: Partial<ModelTuning>;
  /** Where engine notes go (never secrets). */
  readonly log?: (line: string) => void;
  /** How often served models are checked for a first measurement (ms). Default 30 s. */
  readonly measureEveryMs?: number;
  /** Whether a CUDA GPU is present (vLLM needs one); detected when not given. */
  readonly cuda?: boolean;
  /** The built panel served at / (default: dist/renderer when built; null serves a page saying how to build it). */
  readonly panelDir?: string | null;
  /** Serve /v1 to the local network (`--host 0.0.0.0`); default: the config's `lan.enabled`. Needs an app key. */
  readonly exposeToLan?: boolean;
  /** The config file PATCH /settings writes (default: <data dir>/config.json). */
  readonly configFile?: string;
  /** Settings the desktop shell applies live (start on login, close to tray). */
  readonly settingsAppliers?: Partial<Record<SettingKey, SettingApplier>>;
  /** Encrypts secrets before they are written (the desktop app's safeStorage); without it they sit in a 0600 file. */
  readonly secretCipher?: SecretCipher;
  /** A model served when nothing else is configured or found (the bundled demo model); without it that is a NoModelsError. */
  readonly fallbackModelPath?: string;
}

export interface Engine {
  readonly baseUrl: string;
  readonly port: number;
  readonly models: readonly ResolvedModel[];
  readonly runtimes: readonly RuntimeHandle[];
  /** Which models are loaded, and every load/evict/unload decision with its reason. */
  readonly pool: ModelPool;
  /** Hardware, model library, fit, downloads, prediction vs measurement. */
  readonly library: LibraryService;
  status(): Promise<EngineStatus>;
  /** Wait until the models loaded at start are ready (or one fails). */
  whenReady(deadlineMs: number): Promise<void>;
  /** The spare embedded worker embedded model starts adopt (lifecycle.spareWorker). */
  readonly spareWorker: SpareWorkerPool;
  stop(): Promise<void>;
}

/** LAN exposure asked for while no app key exists: the API would be open to the whole network. */
export class LanWithoutKeysError extends Error {
  override readonly name = 'LanWithoutKeysError';
}

export class NoModelsError extends Error {
  override readonly name = 'NoModelsError';
}

/** Composition root: builds the runtimes, the gateway and the control API, and starts them. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const { config } = options;
  const log = options.log ?? (() => undefined);
  const paths = dataPaths(options.dataDir);
  // Per-app API keys (keys/); LAN exposure is refused before anything starts unless one exists.
  const appKeys = AppKeyStore.inStateDir(paths.state);
  const exposeToLan = options.exposeToLan ?? config.lan.enabled;
  if (exposeToLan && !appKeys.hasKeys()) {
    throw new LanWithoutKeysError('Exposing Homeport to the network needs at least one app key, or any machine on the network could use your models. Create one with `homeport keys create NAME`, then start again.');
  }
  const cliPaths = (options.modelPaths ?? []).map((p) => resolve(p));
  for (const path of cliPaths) await assertModelFile(path);

  const configured = resolveModelList({
    config,
    cliPaths,
    folderPaths: cliPaths.length ? [] : await listGgufFiles(paths.models),
    overrides: options.tuning ?? {},
    cores: availableParallelism(),
  });
  const external = await startExternalRuntimes({ config, cuda: options.cuda ?? hasCudaGpu(), secretsDir: paths.state });
  for (const u of external.fleet.unavailable) log(`${u.runtime}${u.model ? ` (${u.model})` : ''} unavailable: ${u.reason}`);
  const useFallback = configured.length === 0 && external.fleet.entries.length === 0 && options.fallbackModelPath !== undefined;
  const models = useFallback
    ? resolveModelList({ config, cliPaths: [resolve(options.fallbackModelPath!)], folderPaths: [], overrides: options.tuning ?? {}, cores: availableParallelism() })
    : configured;
  if (useFallback) log(`nothing configured or found: serving ${models[0]?.path}`);
  if (models.length === 0 && external.fleet.entries.length === 0) {
    await external.fleet.stop();
    throw new NoModelsError(`No models to serve: none in the config, none in ${paths.models}, and no running runtime (llama-server, Ollama, LM Studio, vLLM) offers any.`);
  }

  await mkdir(paths.state, { recursive: true });
  const decisions = new DecisionLog({
    sink: new JsonLinesFile({ path: join(paths.state, 'lifecycle-decisions.jsonl'), onError: (e) => log(`decisions log: ${e.message}`) }),
  });
  decisions.subscribe((d) => log(`lifecycle ${d.kind} ${d.model}: ${d.reason}`));
  const pool = new ModelPool({ ...poolSettings(config.lifecycle), decisions });
  const facts = new Map<string, ModelFacts>();
  // Per-model settings changed from the panel or the API (control/model-settings.ts): every load reads them.
  const modelSettings = await ModelSettingsStore.open(join(paths.state, 'model-settings.json'));
  const launchedWith = new Map<string, { ctx: number; parallel: number }>();
  const ttlAtStart = new Map<string, number | null>();
  /** The bundled demo model, for marking it in the model list (null when this install has none). */
  const demoFile = bundledDemoModel();
  const demoPath = demoFile === undefined ? null : resolve(demoFile);
  const tuningOf = (model: ResolvedModel): ModelTuning => {
    const own = modelSettings.get(model.id);
    return { ...model.tuning, ctx: own.ctx ?? model.tuning.ctx, parallel: own.parallel ?? model.tuning.parallel };
  };
  // One spare worker with node-llama-cpp loaded, adopted by the next embedded model start.
  const spareWorker = new SpareWorkerPool({ enabled: config.lifecycle.spareWorker, allocatePort: () => allocatePort({ host: '127.0.0.1' }), log });
  let spareTimer: NodeJS.Timeout | undefined;
  // Every model goes through the pool: on-demand loading, idle TTL and co-residency limits.
  const runtimes: RuntimeHandle[] = [];
  const addEmbedded = async (model: ResolvedModel): Promise<RuntimeHandle> => {
    const sizeBytes = (await stat(model.path)).size;
    facts.set(model.id, { path: model.path, sizeBytes, contextLength: tuningOf(model).ctx, parallel: tuningOf(model).parallel });
    const ttlMinutes = modelSettings.get(model.id).ttlMinutes ?? model.ttlMinutes;
    ttlAtStart.set(model.id, ttlMinutes ?? null);
    const tuning = () => {
      const now = tuningOf(model);
      launchedWith.set(model.id, { ctx: now.ctx, parallel: now.parallel });
      return now;
    };
    const handle = pool.add({ id: model.id, runtime: createEmbeddedRuntime(model, config, tuning, spareWorker), estimatedBytes: sizeBytes, ttlMs: modelTtlMs(ttlMinutes) });
    runtimes.push(handle);
    handle.subscribe((event) => {
      if (event.type !== 'state') return;
      // A moment after a model is ready (its first token comes without a new spare's start beside it); a start in
      // the meantime puts it off until that start is ready in turn, so a spare never prepares beside a cold start.
      if (event.to === 'ready' || event.to === 'starting') clearTimeout(spareTimer);
      if (event.to === 'ready') spareTimer = setTimeout(() => void spareWorker.replenish(), 1_000).unref();
    });
    return handle;
  };
  for (const model of models) await addEmbedded(model);
  const embeddedRuntimes = [...runtimes];
  const entries: ModelEntry[] = models.map((model, i) => ({
    id: model.id,
    aliases: modelSettings.get(model.id).aliases ?? model.aliases,
    ownedBy: 'homeport-embedded',
    created: Math.floor(Date.now() / 1000),
    upstreamModel: model.id,
    runtime: runtimes[i]!,
  }));
  const fleetEntry = (entry: FleetEntry): ModelEntry => {
    facts.set(entry.id, { sizeBytes: entry.sizeBytes, contextLength: entry.contextLength });
    // A model Homeport cannot unload (an attached llama-server or vLLM) frees nothing when evicted: keep it out of the budget.
    const managed = pool.get(entry.id) ?? pool.add({ id: entry.id, runtime: entry.runtime, estimatedBytes: entry.canUnload ? (entry.estimatedBytes ?? entry.sizeBytes ?? 0) : 0 });
    if (!runtimes.includes(managed)) runtimes.push(managed);
    return {
      id: entry.id,
      aliases: entry.aliases ?? [],
      ownedBy: entry.ownedBy,
      created: Math.floor(Date.now() / 1000),
      upstreamModel: entry.upstreamModel,
      runtime: managed,
      ...(entry.detectedAt !== undefined ? { detectedAt: entry.detectedAt } : {}),
    };
  };
  const directory = new ModelRegistry([...entries, ...external.fleet.entries.map(fleetEntry)]);
  /** Ask the daemons again which models they have (after a pull in Ollama, say). */
  const refreshRuntimes = async () => {
    const refreshed = await external.fleet.refresh();
    directory.replace([...entries, ...refreshed.entries.map(fleetEntry)]);
    return { added: refreshed.added, removed: refreshed.removed, problems: refreshed.problems };
  };
  // Servers started or stopped after Homeport are found without a manual refresh.
  const logRedetectError = (e: unknown) => log(`runtime re-detection: ${e instanceof Error ? e.message : String(e)}`);
  const stopRedetect = startRedetectLoop({ intervalMs: config.runtimes.redetectSeconds * 1000, pass: refreshRuntimes, onError: logRedetectError });
  // A server restarted since the last pass is found before its model is called unknown (by the gateway or a route).
  const refreshOnMiss = createRefreshOnMiss({ pass: refreshRuntimes, onError: logRedetectError });
  const metrics = new ModelMetrics();
  const port = options.portOverride ?? config.port;
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  const startedAt = new Date();

  const status = () =>
    collectStatus({ version: HOMEPORT_VERSION, startedAt, baseUrl, runtimes, models: directory, metrics, probeLoad: probeRuntimeLoad });
  // The library scans the usual model folders plus the folders of the models being served.
  // The folders to scan change from the Models page (control/library-serve-routes.ts): the roots are read at each scan.
  const libraryFolders = { list: [...config.modelFolders] };
  const catalog = createModelCatalog({
    get roots() {
      return defaultModelRoots({ dataDir: options.dataDir, extraFolders: libraryFolders.list, servedFolders: [...new Set(models.map((m) => dirname(m.path)))] });
    },
  });
  /** Serve a GGUF file the library found (Load on a library row): into the pool and onto the endpoint now; answers its id. */
  const serveFile = async (path: string): Promise<string> => {
    const absolute = resolve(path);
    const known = models.find((m) => m.path === absolute);
    if (known) return known.id;
    await assertModelFile(absolute);
    const [resolved] = resolveModelList({ config, cliPaths: [absolute], folderPaths: [], overrides: options.tuning ?? {}, cores: availableParallelism() });
    const taken = new Set(directory.list().flatMap((e) => [e.id, ...e.aliases]));
    let id = resolved!.id;
    for (let n = 2; taken.has(id); n++) id = `${resolved!.id}-${n}`;
    const model: ResolvedModel = { ...resolved!, id };
    const handle = await addEmbedded(model);
    (models as ResolvedModel[]).push(model);
    embeddedRuntimes.push(handle);
    const entry: ModelEntry = { id, aliases: modelSettings.get(id).aliases ?? model.aliases, ownedBy: 'homeport-embedded', created: Math.floor(Date.now() / 1000), upstreamModel: id, runtime: handle };
    entries.push(entry);
    directory.replace([...directory.list(), entry]);
    return id;
  };
  // Secrets: the store, then environment variables (OPENAI_API_KEY, HF_TOKEN, …); the hub token comes from here too.
  const secrets = new SecretResolver({
    store: options.secretCipher ? encryptedSecretStore(createSecretStore({ dir: paths.state }), options.secretCipher) : createSecretStore({ dir: paths.state }),
  });
  // The request log, the response cache and the router between the gateway and the runtimes.
  const requestStore = new RequestStore({ file: join(paths.state, 'requests.sqlite'), onError: (e) => log(`request log: ${e.message}`) });
  const requestLog = new RequestLog({ store: requestStore });
  const embed = embedWithLocalModel({ models: () => directory.list(), readyDeadlineMs: config.readyDeadlineMs });
  const cache = createResponseCache({ file: join(paths.state, 'cache.sqlite'), ...cacheLimits(config.cache), embed, log: (m) => log(`cache: ${m}`) });
  const cacheSwitch = { enabled: config.cache.enabled };
  const requestRouter = new RequestRouter({
    config: { providers: config.providers, routes: config.routes, privacy: config.privacy, breaker: config.breaker },
    local: { resolve: (name) => directory.resolve(name), facts: (id) => facts.get(id) },
    refreshOnMiss,
    secrets,
    metrics,
    readyDeadlineMs: config.readyDeadlineMs,
    cache,
    // Read on every request: the Settings page switches the cache on and off live.
    get cacheEnabled() {
      return cacheSwitch.enabled;
    },
    spentToday: requestStore.providerSpend(),
    // Bound late: the probes are built below, with the control routes.
    features: (id) => probes.service.features(id),
  });
  const library = new LibraryService({
    dataDir: options.dataDir,
    scan: () => catalog.scan(),
    secrets,
    defaults: { contextSize: config.defaults.ctx, slots: config.defaults.parallel },
    log,
  });
  // The last 10 minutes of RAM, CPU and (NVIDIA) GPU use, so the panel's charts draw them on open (hardware/history-recorder.ts).
  const hardwareHistory = startHistoryRecorder({ pollGpus: options.cuda ?? hasCudaGpu(), onError: (error) => log(`hardware history: ${error instanceof Error ? error.message : String(error)}`) });
  // Saved Playground conversations and presets (SQLite in the state folder).
  const playground = new PlaygroundStore({ path: join(paths.state, 'playground.sqlite') });
  // Every /homeport call needs this data dir's control token (control/control-token.ts).
  const controlToken = await ensureControlToken(options.dataDir);
  // The feature probe (probe/): a battery through this gateway's /v1, reports per model and runtime version.
  const probes = createEngineProbes({
    stateDir: paths.state,
    baseUrl,
    resolve: (name) => directory.resolve(name),
    contextLength: (id) => facts.get(id)?.contextLength ?? null,
    runtimeVersion: (kind) => describeRuntimeVersion(kind, HOMEPORT_VERSION, (k) => external.fleet.detected.find((d) => d.kind === k)?.version),
  });
  /** The extended model list (`GET /homeport/v1/models`), as the contract's stream, the model routes and the status routes all serve it. */
  const listModels = () => describeModels({ entries: directory.list(), pool: pool.snapshot(), facts, features: (id) => probes.service.features(id), demoPath });
  const controlRoutes = Router();
  controlRoutes.use(
    createContractRouter({
      version: HOMEPORT_VERSION,
      baseUrl,
      status,
      models: listModels,
      runtimes: () => runtimes,
      subscribeDecisions: (listener) => decisions.subscribe(listener),
    }),
    createModelRouter(
      createModelControl({
        models: listModels,
        handle: (id) => pool.get(id),
        store: modelSettings,
        base: (id) => {
          const model = models.find((m) => m.id === id);
          return model && { ctx: model.tuning.ctx, parallel: model.tuning.parallel, ttlMinutes: model.ttlMinutes ?? null, aliases: model.aliases };
        },
        loadedWith: (id) => (['starting', 'ready'].includes(pool.get(id)?.snapshot().state ?? 'stopped') ? (launchedWith.get(id) ?? null) : null),
        ttlInEffect: (id) => ttlAtStart.get(id) ?? null,
        setTtl: (id, ttlMinutes) => {
          pool.setModelTtl(id, modelTtlMs(ttlMinutes ?? undefined));
          ttlAtStart.set(id, ttlMinutes);
        },
        setAliases: (id, aliases) => {
          const i = entries.findIndex((e) => e.id === id);
          if (i === -1) throw new Error(`"${id}" takes no aliases here`);
          const renamed: ModelEntry = { ...entries[i]!, aliases };
          directory.replace(directory.list().map((e) => (e.id === id ? renamed : e))); // throws, changing nothing, on a clash
          entries[i] = renamed;
        },
      }),
    ),
    createSettingsRouter({
      configFile: options.configFile ?? paths.config,
      running: config,
      machineMemory: async () => machineMemory(await library.hardware()),
      appliers: {
        memoryBudgetBytes: (next) => (pool.setLimits(poolSettings(next.lifecycle).limits), true),
        maxLoadedModels: (next) => (pool.setLimits(poolSettings(next.lifecycle).limits), true),
        idleTtlMinutes: (next) => (pool.setDefaultTtl(poolSettings(next.lifecycle).defaultTtlMs ?? 0), true),
        cache: (next) => {
          cacheSwitch.enabled = next.cache.enabled;
          if (!cache.setLimits) return false;
          cache.setLimits(cacheLimits(next.cache));
          return true;
        },
        // The panel reads the theme from the settings and applies it itself.
        theme: () => true,
        // The same switch as the Routing page's: the router takes it at once.
        privacy: (next) => (requestRouter.update({ ...requestRouter.config, privacy: next.privacy }), true),
        ...options.settingsAppliers,
      },
      unavailable: options.settingsAppliers?.startOnLogin
        ? {}
        : { startOnLogin: 'Only the desktop app can start on login.', closeToTray: 'Only the desktop app has a tray.' },
      secretStorage: options.secretCipher
        ? { protection: options.secretCipher.protection, detail: options.secretCipher.detail }
        : fileSecretStorage(join(paths.state, 'secrets.json')),
    }),
    createControlRouter({
      status,
      runtime: (id) => runtimes.find((r) => r.id === id),
      models: listModels,
      decisions: (limit) => decisions.list({ limit }),
      runtimesInfo: () => describeRuntimes(external),
      goneModels: () => describeGoneModels(external.fleet),
      refreshRuntimes,
    }),
    createHardwareRouter({ service: library, history: hardwareHistory }),
    createLibraryRouter({ service: library }),
    createLibraryServeRouter({ service: library, serve: serveFile, folders: libraryFolders, configFile: options.configFile ?? paths.config }),
    createDownloadRouter({ service: library }),
    createPlaygroundRouter({ store: playground }),
    createRoutingRouter({ router: requestRouter, secrets, configFile: options.configFile ?? paths.config, cache, cacheEnabled: () => cacheSwitch.enabled, isLocalModel: (name) => directory.resolve(name) !== undefined }),
    createRequestRouter({ log: requestLog }),
    createSecretRouter({ secrets }),
    probes.router,
  );
  controlRoutes.use(createKeyRouter({ keys: appKeys, knows: (name) => directory.resolve(name) !== undefined || requestRouter.route(name) !== undefined }));
  // OpenAI's Responses API and Anthropic's Messages API, translated into chat completions on this gateway.
  const surfaces = createApiSurfaces({ bodyLimitBytes: config.bodyLimitBytes, responsesFile: join(paths.state, 'responses.sqlite') });
  // GET /metrics: Prometheus exposition fed by the request log, the decisions log and the runtimes.
  const prometheus = createPrometheusMetrics({
    requests: requestLog,
    subscribeDecisions: (listener) => decisions.subscribe(listener),
    runtimes: () => runtimes,
    models: () => metrics.snapshot(),
    runtimeQueue: async (runtime) => (await probeRuntimeLoad(runtime))?.queued ?? null,
    cacheStats: () => cache.stats(),
  });
  const app = createGateway({
    surfaces,
    metricsRoute: prometheus.router,
    appKeys,
    ...(exposeToLan ? { extraHosts: lanHosts(port) } : {}),
    port,
    models: directory,
    refreshOnMiss,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    readyDeadlineMs: config.readyDeadlineMs,
    logError: (message, err) => log(`${message}: ${err instanceof Error ? err.message : String(err)}`),
    controlRoutes,
    router: requestRouter,
    requests: requestLog,
    controlToken,
    panel: createPanelHandler({ dir: options.panelDir === undefined ? defaultPanelDir() : options.panelDir, token: controlToken, port }),
  });
  const gateway = await listenGateway(app, { port, host: exposeToLan ? '0.0.0.0' : '127.0.0.1' });
  if (exposeToLan) log(`the public API (/v1, /metrics) is open to the network on port ${port}, with app keys; the control API and panel stay on this machine`);
  log(`gateway listening on ${baseUrl}`);

  for (const runtime of runtimes) {
    runtime.subscribe((event) => {
      if (event.type === 'state') log(`${event.runtimeId}: ${event.from} → ${event.to} (${event.reason})`);
    });
  }
  // Load at start as many models as the limit allows (all when unlimited); the rest load on demand.
  // External runtimes load on demand: only the embedded models are loaded at start.
  const limit = config.lifecycle.maxLoadedModels;
  const preload = limit > 0 ? embeddedRuntimes.slice(0, limit) : embeddedRuntimes;
  const preloading = preload.map((runtime) =>
    runtime.start().catch((err: Error) => {
      log(`${runtime.id}: could not start: ${err.message}`);
      throw err;
    }),
  );
  preloading.forEach((p) => p.catch(() => undefined));
  // The spare is prepared once the models loaded at start are up (not competing with them), and again after
  // every embedded model becomes ready (the one it had may just have been adopted).
  if (embeddedRuntimes.length > 0) {
    void Promise.allSettled(preloading).then(() => spareWorker.replenish(tuningOf(models[0]!).threads));
  }

  const stopRecorder = startMeasurementRecorder({
    runtimes: new Map(models.map((m, i) => [m.id, runtimes[i]!])),
    facts,
    metrics,
    library,
    intervalMs: options.measureEveryMs ?? 30_000,
    log,
  });

  let stopping: Promise<void> | null = null;
  return {
    baseUrl,
    port,
    models,
    runtimes,
    pool,
    library,
    status,
    spareWorker,
    async whenReady(deadlineMs) {
      await Promise.all(preload.map((r) => r.ensureReady({ deadlineMs })));
    },
    stop() {
      stopping ??= (async () => {
        // The gateway goes first so no late request can start a runtime again.
        await gateway.close();
        stopRecorder();
        hardwareHistory.stop();
        pool.dispose();
        await Promise.all([...embeddedRuntimes.map((r) => r.stop()), spareWorker.stop()]);
        // Spawned servers are stopped; attached ones are only let go (their models Homeport loaded are unloaded).
        stopRedetect();
        await external.fleet.stop();
        await Promise.all([decisions.flush(), library.close()]);
        playground.close();
        await surfaces.close();
        prometheus.close();
        requestRouter.close();
        requestLog.close();
        cache.close();
      })();
      return stopping;
    },
  };
}

/** `tuning` is read at every launch, so settings changed since the last one apply to the next. */
function createEmbeddedRuntime(model: ResolvedModel, config: HomeportConfig, tuning: () => ModelTuning = () => model.tuning, spares?: SpareWorkerPool): Supervisor {
  const s = config.supervisor;
  return new Supervisor({
    id: `embedded:${model.id}`,
    kind: 'embedded',
    ...(spares !== undefined ? { spawn: spares.spawn } : {}),
    plan: async () => {
      const now = tuning();
      if (spares !== undefined) {
        return spares.plan({ modelPath: model.path, modelId: model.id, parallel: now.parallel, ctx: now.ctx, threads: now.threads, queue: now.queue });
      }
      return embeddedLaunchPlan({
        modelPath: model.path,
        modelId: model.id,
        port: await allocatePort({ host: '127.0.0.1' }),
        parallel: now.parallel,
        ctx: now.ctx,
        threads: now.threads,
        queue: now.queue,
      });
    },
    healthIntervalMs: 50,
    startDeadlineMs: s.startDeadlineMs,
    stopTimeoutMs: s.stopTimeoutMs,
    backoff: s.backoff,
    crashLimit: s.crashLimit,
    logLines: s.logLines,
    liveness: s.liveness,
  });
}

/** Slots and queue as the embedded worker's /health reports them; null when unknown. */
async function probeRuntimeLoad(runtime: RuntimeHandle): Promise<RuntimeLoad | null> {
  // The endpoint carries the per-launch key the worker requires; reading it neither starts nor counts as use.
  const endpoint = runtime.kind === 'embedded' ? (runtime.readyEndpoint?.() ?? null) : null;
  if (endpoint === null) return null;
  try {
    const res = await request(`${endpoint.baseUrl}/health`, { headers: endpoint.headers, signal: AbortSignal.timeout(500) });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return null;
    }
    const body = (await res.body.json()) as RuntimeLoad;
    return { slots: body.slots, queued: body.queued };
  } catch {
    return null;
  }
}

async function assertModelFile(path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new NoModelsError(`Model file not found: ${path}`);
}

async function listGgufFiles(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names
    .filter((n) => n.toLowerCase().endsWith('.gguf') && !n.startsWith('.'))
    .sort()
    .map((n) => join(folder, n));
}

/** What the engine found of each external runtime, and why any of them cannot serve. */
function describeRuntimes(external: ExternalRuntimes) {
  return {
    // The latest detection (refresh and the re-detection loop renew it), with detectedAt / goneSince per runtime.
    detected: describeDetectedRuntimes(external.fleet),
    gone: describeGoneModels(external.fleet),
    unavailable: external.fleet.unavailable,
    owners: external.fleet.owners.map((o) => ({ kind: o.kind, runtime: o.runtime.id, attached: o.attached, state: o.runtime.snapshot().state })),
  };
}
