/**
 * The one-model-per-process part of the fleet: llama-server and vLLM.
 *
 * - Configured models get one Supervisor each (started on demand, a fresh
 *   port and a fresh API key per launch; the key goes by environment so it
 *   is not visible in `ps`, and the gateway sends it from the plan's headers).
 *   vLLM is only started with a CUDA GPU, and with Homeport's request guard
 *   loaded (adapters/vllm-guard.ts), since its own key leaves routes open.
 * - A server of either kind already running at its URL (mode auto/attach)
 *   is attached (buildAttachedServerPart, again on every re-detection): its
 *   models (from /v1/models) are served through one AttachedRuntime, and
 *   Homeport never stops it.
 */
import { stat } from 'node:fs/promises';
import { modelIdFromPath } from '../../../config/model-list.js';
import type { LlamaServerModelConfig, VllmModelConfig } from '../../../config/runtimes-schema.js';
import type { ExternalRuntimeAdapter } from '../adapters/common.js';
import { buildLlamaServerLaunchPlan, llamaServerAdapter } from '../adapters/llama-server.js';
import { buildVllmLaunchPlan, vllmAdapter } from '../adapters/vllm.js';
import { AttachedRuntime } from '../attached.js';
import { requestJson, describeFailure } from '../daemon/json-request.js';
import { VLLM_NEEDS_GPU } from '../detect.js';
import type { FleetContext, FleetEntry, FleetOwner, UnavailableRuntime } from './types.js';
import { writeVllmGuardModule } from './vllm-guard-file.js';
import { Supervisor } from '../../process/supervisor.js';
import { systemClock } from '../../process/health.js';
import { attachedModelNames } from './model-names.js';
import { keyHeaders } from '../attached-keys.js';

export type ServerKind = 'llama-server' | 'vllm';

export interface ServerPart {
  readonly entries: readonly FleetEntry[];
  readonly owners: readonly FleetOwner[];
  readonly unavailable: readonly UnavailableRuntime[];
}

/** An attached server's part, with the URL it was found at. */
export interface AttachedServerPart extends ServerPart {
  readonly url: string;
}

const EMPTY: ServerPart = { entries: [], owners: [], unavailable: [] };

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function merge(...parts: ServerPart[]): ServerPart {
  return {
    entries: parts.flatMap((p) => p.entries),
    owners: parts.flatMap((p) => p.owners),
    unavailable: parts.flatMap((p) => p.unavailable),
  };
}

// ------------------------------------------------------------ llama-server

export async function buildLlamaServerPart(context: FleetContext): Promise<ServerPart> {
  const { mode } = context.config.llamaServer;
  const models = context.config.llamaServerModels;
  const detection = context.detection['llama-server'];
  if (mode === 'off') {
    return models.length === 0 ? EMPTY : { ...EMPTY, unavailable: [{ runtime: 'llama-server', reason: 'llama-server is turned off in the settings' }] };
  }
  if (mode === 'attach' || models.length === 0) return EMPTY;

  const binary = detection.binaryPath;
  if (binary === null) {
    const reason = `llama-server is not installed (${detection.installedReason}); ${models.length} configured model(s) cannot be served`;
    return { ...EMPTY, unavailable: [{ runtime: 'llama-server', reason }] };
  }
  const spawned = await Promise.all(models.map((model) => llamaServerModel(model, binary, context)));
  return merge(...spawned);
}

/** The llama-server or vLLM already running where detection found it (modes auto and attach), or nothing. */
export async function buildAttachedServerPart(kind: ServerKind, context: FleetContext): Promise<AttachedServerPart | null> {
  const { mode } = kind === 'llama-server' ? context.config.llamaServer : context.config.vllm;
  const detection = context.detection[kind];
  if (mode === 'off' || mode === 'spawn' || !detection.running) return null;
  return { url: detection.url, ...(await attachServer(kind, detection.url, context)) };
}

async function llamaServerModel(model: LlamaServerModelConfig, binaryPath: string, context: FleetContext): Promise<ServerPart> {
  const info = await stat(model.path).catch(() => null);
  if (info === null || !info.isFile()) {
    return { ...EMPTY, unavailable: [{ runtime: 'llama-server', model: model.path, reason: `model file not found: ${model.path}` }] };
  }
  const name = model.id ?? modelIdFromPath(model.path);
  const ctx = model.ctx ?? context.defaults.ctx;
  const parallel = model.parallel ?? context.defaults.parallel;
  const threads = model.threads ?? context.defaults.threads;
  const id = `llama-server/${name}`;
  const runtime = new Supervisor({
    ...context.supervisor,
    id,
    kind: 'llama-server',
    plan: async () => ({
      ...buildLlamaServerLaunchPlan({
        modelPath: model.path,
        port: await context.allocatePort(),
        contextSize: ctx * parallel,
        parallel,
        ...(model.ngl !== undefined ? { gpuLayers: model.ngl } : {}),
        ...(threads !== undefined ? { threads } : {}),
        alias: name,
        ...(model.embeddings === true ? { embeddings: true } : {}),
        binaryPath,
        apiKeyVia: 'env',
      }),
      startDeadlineMs: llamaServerAdapter.startDeadlineMs,
    }),
  });
  return {
    entries: [{ id, upstreamModel: name, ownedBy: 'llama-server', runtime, canUnload: true, contextLength: ctx, sizeBytes: info.size }],
    owners: [{ kind: 'llama-server', runtime, attached: false }],
    unavailable: [],
  };
}

// -------------------------------------------------------------------- vLLM

export async function buildVllmPart(context: FleetContext): Promise<ServerPart> {
  const { mode, models } = context.config.vllm;
  const detection = context.detection.vllm;
  if (mode === 'off') {
    return models.length === 0 ? EMPTY : { ...EMPTY, unavailable: [{ runtime: 'vllm', reason: 'vLLM is turned off in the settings' }] };
  }
  // A running vLLM is attached (buildAttachedServerPart) whatever this machine's GPU looks like to us.
  if (mode === 'attach' || models.length === 0) return EMPTY;

  if (!context.gpu.cuda) return { ...EMPTY, unavailable: [{ runtime: 'vllm', reason: VLLM_NEEDS_GPU }] };
  const binary = detection.binaryPath;
  if (binary === null) {
    const reason = `vLLM is not installed (${detection.installedReason}); ${models.length} configured model(s) cannot be served`;
    return { ...EMPTY, unavailable: [{ runtime: 'vllm', reason }] };
  }
  return merge(...models.map((model) => vllmModel(model, binary, context)));
}

function vllmModel(model: VllmModelConfig, binaryPath: string, context: FleetContext): ServerPart {
  const served = model.id ?? model.model;
  const id = `vllm/${served}`;
  // Written once per model, on its first launch.
  let guardFolder: Promise<string> | null = null;
  const runtime = new Supervisor({
    ...context.supervisor,
    id,
    kind: 'vllm',
    plan: async () => ({
      ...buildVllmLaunchPlan({
        model: model.model,
        port: await context.allocatePort(),
        guardModuleDir: await (guardFolder ??= writeVllmGuardModule()),
        ...(process.env.PYTHONPATH !== undefined ? { inheritedPythonPath: process.env.PYTHONPATH } : {}),
        ...(model.maxModelLen !== undefined ? { maxModelLen: model.maxModelLen } : {}),
        ...(model.gpuMemoryUtilization !== undefined ? { gpuMemoryUtilization: model.gpuMemoryUtilization } : {}),
        ...(model.id !== undefined ? { servedModelName: model.id } : {}),
        ...(model.maxNumSeqs !== undefined ? { maxNumSeqs: model.maxNumSeqs } : {}),
        binaryPath,
        apiKeyVia: 'env',
      }),
      startDeadlineMs: vllmAdapter.startDeadlineMs,
    }),
  });
  return {
    entries: [{ id, upstreamModel: served, ownedBy: 'vllm', runtime, canUnload: true, ...(model.maxModelLen !== undefined ? { contextLength: model.maxModelLen } : {}) }],
    owners: [{ kind: 'vllm', runtime, attached: false }],
    unavailable: [],
  };
}

// ------------------------------------------------------ attached servers

/** A llama-server or vLLM already running at `url`: its models, served through one AttachedRuntime. */
async function attachServer(kind: ServerKind, url: string, context: FleetContext): Promise<ServerPart> {
  const adapter: ExternalRuntimeAdapter<never> = kind === 'llama-server' ? llamaServerAdapter : vllmAdapter;
  const runtime = new AttachedRuntime({
    id: `${kind}@${new URL(url).host}`,
    kind,
    displayName: adapter.displayName,
    baseUrl: url,
    health: adapter.health,
    headers: keyHeaders(context.attachedKeys.keys, kind),
    watchIntervalMs: context.timing.attachedWatchIntervalMs,
    fetch: context.fetch,
    clock: context.clock,
  });
  const owner: FleetOwner = { kind, runtime, attached: true };
  const fail = (reason: string): ServerPart => ({ entries: [], owners: [owner], unavailable: [{ runtime: kind, reason }] });
  try {
    await runtime.start();
    const endpoint = await runtime.ensureReady({ deadlineMs: 10_000 });
    const response = await requestJson({ endpoint, method: 'GET', path: adapter.models.path, signal: AbortSignal.timeout(10_000), fetch: context.fetch });
    if (response.status === 401) {
      const section = kind === 'llama-server' ? 'llamaServer' : 'vllm';
      const what = context.attachedKeys.keys[kind] !== undefined ? 'refused the configured API key' : 'needs an API key';
      return fail(`${adapter.displayName} at ${url} ${what} for ${adapter.models.path}; set runtimes.${section}.apiKeySecret to a secret holding its key (homeport secrets set NAME)`);
    }
    if (response.status !== 200) return fail(`${adapter.displayName} at ${url} did not list its models: ${describeFailure(response)}`);
    const parsed = adapter.models.parse(response.json);
    if (!parsed.ok) return fail(`${adapter.displayName} at ${url}: ${parsed.reason}`);
    const detectedAt = (context.clock ?? systemClock).now();
    const entries = parsed.value.map((model): FleetEntry => ({
      ...attachedModelNames(kind, model.id),
      upstreamModel: model.id,
      ownedBy: kind,
      runtime,
      canUnload: false,
      detectedAt,
      ...(model.contextLength !== null ? { contextLength: model.contextLength } : {}),
      ...(model.sizeBytes !== null ? { sizeBytes: model.sizeBytes } : {}),
    }));
    return { entries, owners: [owner], unavailable: [] };
  } catch (error) {
    return fail(`${adapter.displayName} at ${url} was detected but cannot be used: ${errorMessage(error)}`);
  }
}
