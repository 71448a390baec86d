/**
 * The daemon part of the fleet: for Ollama and LM Studio, decide the owner
 * (attach or spawn), bring it up, list its models, and give each model a
 * DaemonModelRuntime.
 */
import { attachDaemonOwner, decideDaemonOwner, spawnLmStudioOwner, spawnOllamaOwner } from '../daemon/owner.js';
import { DaemonModelSet } from '../daemon/model-set.js';
import { lmStudioProtocol } from '../daemon/lmstudio-protocol.js';
import { ollamaProtocol } from '../daemon/ollama-protocol.js';
import type { DaemonKind, DaemonProtocol } from '../daemon/protocol.js';
import type { FleetContext, FleetEntry, FleetOwner, UnavailableRuntime } from './types.js';
import type { RuntimeHandle } from '../../types.js';
import { keyHeaders } from '../attached-keys.js';

/** Ollama's context when Homeport starts it and nothing is configured (Ollama's own default below 23 GiB of VRAM). */
export const DEFAULT_OLLAMA_CONTEXT = 4096;

export interface DaemonPart {
  readonly kind: DaemonKind;
  readonly owner: FleetOwner | null;
  readonly models: DaemonModelSet | null;
  /** The context Homeport asked for (what entries show until the daemon reports its own). */
  readonly contextLength: number | undefined;
  readonly unavailable: readonly UnavailableRuntime[];
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function buildDaemonPart(kind: DaemonKind, context: FleetContext): Promise<DaemonPart> {
  const settings = kind === 'ollama' ? context.config.ollama : context.config.lmstudio;
  const detection = context.detection[kind];
  const decision = decideDaemonOwner({ kind, mode: settings.mode, detection });
  const none = (reason: string, owner: FleetOwner | null = null): DaemonPart => ({ kind, owner, models: null, contextLength: undefined, unavailable: [{ runtime: kind, reason }] });
  // Turned off is the user's choice, not a problem to report.
  if (settings.mode === 'off') return { kind, owner: null, models: null, contextLength: undefined, unavailable: [] };
  if (decision.action === 'none') return none(decision.reason);

  let runtime: RuntimeHandle;
  let contextLength = settings.contextLength;
  let loadContext = settings.contextLength;
  if (decision.action === 'attach') {
    if (kind === 'ollama') {
      // Ollama's /v1 requests cannot carry num_ctx: a context asked for at load would be undone by the first
      // request (its scheduler reloads at the server's default). Report what that Ollama really uses instead.
      contextLength = undefined;
      loadContext = undefined;
    }
    runtime = attachDaemonOwner(kind, decision.url, {
      fetch: context.fetch,
      clock: context.clock,
      watchIntervalMs: context.timing.attachedWatchIntervalMs,
      headers: keyHeaders(context.attachedKeys.keys, kind),
    });
  } else if (kind === 'ollama') {
    // Homeport's own Ollama gets the context through OLLAMA_CONTEXT_LENGTH; loads need not ask.
    contextLength = settings.contextLength ?? DEFAULT_OLLAMA_CONTEXT;
    loadContext = undefined;
    runtime = spawnOllamaOwner({ binaryPath: decision.binaryPath, allocatePort: context.allocatePort, supervisor: context.supervisor, contextLength });
  } else {
    runtime = spawnLmStudioOwner({
      binaryPath: decision.binaryPath,
      allocatePort: context.allocatePort,
      supervisor: context.supervisor,
      livenessIntervalMs: context.timing.detachedLivenessIntervalMs,
    });
  }
  const owner: FleetOwner = { kind, runtime, attached: decision.action === 'attach' };

  try {
    await withDeadline(runtime.start(), context.timing.daemonStartMs, `${displayName(kind)} did not become ready within ${Math.round(context.timing.daemonStartMs / 1000)} s`);
  } catch (error) {
    return none(`${decision.reason}, but it is not available: ${errorMessage(error)}`, owner);
  }

  const models = new DaemonModelSet({
    owner: runtime,
    protocol: protocolFor(kind, context),
    idPrefix: `${kind}/`,
    contextLength: loadContext,
    timing: context.timing.daemon,
    watchIntervalMs: context.timing.daemonWatchIntervalMs,
    clock: context.clock,
  });
  try {
    await models.refresh();
  } catch (error) {
    models.dispose();
    return none(`${decision.reason}, but its models could not be listed: ${errorMessage(error)}`, owner);
  }
  return { kind, owner, models, contextLength, unavailable: [] };
}

/** Fleet entries for a daemon's models as last listed. */
export function daemonEntries(part: DaemonPart): FleetEntry[] {
  if (part.models === null) return [];
  return part.models.listings().map(({ runtime, info }) => {
    const loaded = runtime.loaded();
    const contextLength = loaded?.contextLength ?? part.contextLength;
    const estimatedBytes = loaded?.sizeBytes ?? undefined;
    return {
      id: runtime.id,
      upstreamModel: runtime.model,
      ownedBy: part.kind,
      runtime,
      canUnload: true,
      ...(contextLength !== undefined ? { contextLength } : {}),
      ...(info.sizeBytes !== null ? { sizeBytes: info.sizeBytes } : {}),
      ...(estimatedBytes !== undefined ? { estimatedBytes } : {}),
    };
  });
}

function protocolFor(kind: DaemonKind, context: FleetContext): DaemonProtocol {
  if (kind === 'ollama') return ollamaProtocol({ fetch: context.fetch });
  return lmStudioProtocol({
    lmsPath: context.detection.lmstudio.binaryPath,
    runCommand: context.runCommand,
    env: context.env,
    loadTimeoutMs: context.timing.daemon.loadTimeoutMs,
    fetch: context.fetch,
  });
}

function displayName(kind: DaemonKind): string {
  return kind === 'ollama' ? 'Ollama' : 'LM Studio';
}

/** `promise`, or a rejection with `message` after `ms` (the work itself goes on). */
function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
